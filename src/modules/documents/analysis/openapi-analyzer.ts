import { Document, Spectral, type ISpectralDiagnostic } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import { Resolver } from '@stoplight/spectral-ref-resolver';
import { oas } from '@stoplight/spectral-rulesets';
import { loadOpenApi, type LoadedOpenApi } from '../../../common/openapi/load-openapi';
import { buildApiModel, exampleOf, type ApiModel, type OperationModel, type SchemaObject } from '../../../common/openapi/openapi-model';
import type { LintFinding, OpenApiAnalysis, OperationSummary } from './analysis-result.interface';

const MAX_FINDINGS = 500;
const SEVERITIES = ['error', 'warn', 'info', 'hint'] as const;

let spectral: Spectral | undefined;

/**
 * Spectral with the `oas` ruleset and a resolver that resolves nothing: its
 * default resolver would fetch remote `$ref`s and read local files. Built once
 * per worker thread.
 */
function linter(): Spectral {
  if (!spectral) {
    spectral = new Spectral({ resolver: new Resolver({ resolvers: {} }) });
    // The published ruleset object is complete; its typing lacks the optional `extends`.
    spectral.setRuleset(oas as Parameters<Spectral['setRuleset']>[0]);
  }
  return spectral;
}

/** `["paths", "/pets", "get"]` → `$.paths["/pets"].get`. */
export function jsonPath(segments: ReadonlyArray<string | number>): string {
  return segments.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${acc}.${s}` : `${acc}[${JSON.stringify(s)}]`),
    '$',
  );
}

async function lint(loaded: LoadedOpenApi): Promise<OpenApiAnalysis['lint']> {
  // Spectral sees our own parse of the upload, re-serialised as JSON: it never parses the raw YAML itself.
  const document = new Document(JSON.stringify(loaded.raw), Json, 'document.json');
  const diagnostics: ISpectralDiagnostic[] = await linter().run(document);
  const findings: LintFinding[] = loaded.externalRefs.map(({ ref, path }) => ({
    code: 'external-ref-not-followed',
    severity: 'error' as const,
    message: `External $ref "${ref}" was not followed: references to files and URLs are never resolved (inline the referenced content).`,
    path,
  }));
  for (const d of diagnostics) {
    findings.push({ code: String(d.code), severity: SEVERITIES[d.severity] ?? 'info', message: d.message, path: jsonPath(d.path) });
  }
  const counts = { error: 0, warn: 0, info: 0, hint: 0 };
  for (const f of findings) counts[f.severity]++;
  const order = { error: 0, warn: 1, info: 2, hint: 3 };
  findings.sort((a, b) => order[a.severity] - order[b.severity]);
  return { ruleset: 'spectral:oas', counts, findings: findings.slice(0, MAX_FINDINGS), truncated: findings.length > MAX_FINDINGS };
}

const pct = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);
const hasText = (s: string | null | undefined): boolean => typeof s === 'string' && s.trim().length > 0;
const hasValue = (schema: SchemaObject): boolean =>
  schema.default !== undefined || schema.example !== undefined || (Array.isArray(schema.enum) && schema.enum.length > 0) || schema.const !== undefined;

function securityOf(op: OperationModel): string[] {
  return op.security.map((requirement) => Object.keys(requirement).join(' + ') || '(none)');
}

function summarizeOperation(op: OperationModel): OperationSummary {
  return {
    method: op.method,
    path: op.path,
    operation_id: op.operationId,
    summary: op.summary,
    tags: op.tags,
    deprecated: op.deprecated,
    parameters: op.parameters.map((p) => ({ name: p.name, in: p.in, required: p.required, type: typeof p.schema.type === 'string' ? p.schema.type : null })),
    request_body: op.requestBody ? { required: op.requestBody.required, content_types: op.requestBody.media.map((m) => m.contentType) } : null,
    response_codes: op.responses.map((r) => r.code),
    security: securityOf(op),
  };
}

/** Depth, polymorphism and enums of the schemas reachable from `roots` (shared sub-trees counted once). */
function schemaStats(roots: unknown[]): { maxDepth: number; polymorphic: number; enums: number } {
  const depthOf = new Map<object, number>();
  const seen = new Set<object>();
  let polymorphic = 0;
  let enums = 0;
  const visit = (node: unknown, stack: Set<object>): number => {
    if (!node || typeof node !== 'object') return 0;
    if (Array.isArray(node)) return Math.max(0, ...node.map((n) => visit(n, stack)));
    const obj = node as Record<string, unknown>;
    if (depthOf.has(obj)) return depthOf.get(obj)!;
    if (stack.has(obj)) return 0;
    stack.add(obj);
    if (!seen.has(obj)) {
      seen.add(obj);
      if (obj.oneOf || obj.anyOf || obj.allOf) polymorphic++;
      if (Array.isArray(obj.enum)) enums++;
    }
    let child = 0;
    for (const key of ['properties', 'patternProperties']) {
      for (const sub of Object.values((obj[key] as Record<string, unknown>) ?? {})) child = Math.max(child, visit(sub, stack));
    }
    for (const key of ['items', 'additionalProperties', 'not', 'oneOf', 'anyOf', 'allOf', 'prefixItems']) {
      if (obj[key] && typeof obj[key] === 'object') child = Math.max(child, visit(obj[key], stack) - (['oneOf', 'anyOf', 'allOf'].includes(key) ? 1 : 0));
    }
    stack.delete(obj);
    const depth = 1 + Math.max(0, child);
    depthOf.set(obj, depth);
    return depth;
  };
  const maxDepth = Math.max(0, ...roots.map((r) => visit(r, new Set())));
  return { maxDepth, polymorphic, enums };
}

function securitySection(model: ApiModel): OpenApiAnalysis['security'] {
  const schemes = Object.entries(model.securitySchemes).map(([name, s]) => ({
    name,
    type: String(s.type ?? 'unknown'),
    ...(s.scheme ? { scheme: String(s.scheme) } : {}),
    ...(s.in ? { in: String(s.in) } : {}),
    ...(s.name ? { parameter_name: String(s.name) } : {}),
    ...(s.flows ? { flows: Object.keys(s.flows as object) } : s.flow ? { flows: [String(s.flow)] } : {}),
  }));
  const defined = new Set(Object.keys(model.securitySchemes));
  const undefinedSchemes = new Set<string>();
  const unprotected: string[] = [];
  for (const op of model.operations) {
    if (op.security.length === 0 || op.security.some((r) => Object.keys(r).length === 0)) unprotected.push(op.key);
    for (const requirement of op.security) for (const name of Object.keys(requirement)) if (!defined.has(name)) undefinedSchemes.add(name);
  }
  return { schemes, unprotected_operations: unprotected, undefined_schemes: [...undefinedSchemes] };
}

function coverageAndTestability(model: ApiModel): Pick<OpenApiAnalysis, 'coverage' | 'testability'> {
  const ops = model.operations;
  const params = ops.flatMap((op) => op.parameters);
  const bodies = ops.map((op) => op.requestBody).filter((b): b is NonNullable<typeof b> => b !== null && b.media.length > 0);
  const successes = ops.flatMap((op) => op.responses.filter((r) => /^2/.test(r.code) && r.media.length > 0));
  const mediaHasExample = (media: { example?: unknown; schema: SchemaObject | null }[]) =>
    media.some((m) => m.example !== undefined || (m.schema !== null && exampleOf(m.schema).found));
  const namedSchemas = Object.values(model.schemas);

  const ambiguous: OpenApiAnalysis['testability']['ambiguous_inputs'] = [];
  const nonJson: string[] = [];
  let ready = 0;
  for (const op of ops) {
    let opReady = true;
    for (const p of op.parameters.filter((p) => p.required)) {
      if (p.example === undefined && !hasValue(p.schema)) {
        ambiguous.push({ operation: op.key, location: `${p.in}.${p.name}`, reason: 'required, with no example, default or enum' });
        opReady = false;
      }
    }
    if (op.requestBody?.required) {
      const json = op.requestBody.media.find((m) => /json/i.test(m.contentType));
      if (!json) nonJson.push(op.key);
      if (!json || (json.example === undefined && !json.schema)) {
        ambiguous.push({ operation: op.key, location: 'body', reason: json ? 'required, with neither an example nor a schema' : 'required, and not JSON' });
        opReady = false;
      }
    }
    if (opReady) ready++;
  }
  return {
    coverage: {
      operations_with_summary_pct: pct(ops.filter((o) => hasText(o.summary)).length, ops.length),
      operations_with_description_pct: pct(ops.filter((o) => hasText(o.description)).length, ops.length),
      parameters_with_description_pct: pct(params.filter((p) => hasText(p.description)).length, params.length),
      parameters_with_example_pct: pct(params.filter((p) => p.example !== undefined || p.schema.example !== undefined).length, params.length),
      request_bodies_with_example_pct: pct(bodies.filter((b) => mediaHasExample(b.media)).length, bodies.length),
      success_responses_with_example_pct: pct(successes.filter((r) => mediaHasExample(r.media)).length, successes.length),
      operations_with_4xx_pct: pct(ops.filter((o) => o.responses.some((r) => /^4/.test(r.code))).length, ops.length),
      schemas_with_description_pct: pct(namedSchemas.filter((s) => hasText(s.description as string | undefined)).length, namedSchemas.length),
    },
    testability: { ready_operations: ready, ambiguous_inputs: ambiguous, non_json_request_bodies: nonJson },
  };
}

/**
 * Analyses an OpenAPI 3.x / Swagger 2.0 description: identity, inventory,
 * security, lint (Spectral `oas`), documentation coverage, testability and
 * complexity. Pure computation on the text; runs in a worker thread.
 */
export async function analyzeOpenApi(content: string): Promise<OpenApiAnalysis> {
  const loaded = await loadOpenApi(content);
  const model = buildApiModel(loaded.dereferenced);
  const deref = loaded.dereferenced;
  const paramCounts = model.operations.map((o) => o.parameters.length);
  const inlineSchemas = model.operations.flatMap((o) => [
    ...(o.requestBody?.media.map((m) => m.schema) ?? []),
    ...o.responses.flatMap((r) => r.media.map((m) => m.schema)),
    ...o.parameters.map((p) => p.schema),
  ]);
  const stats = schemaStats([...Object.values(model.schemas), ...inlineSchemas]);
  const pathItems = (deref.paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
  const callbacks = Object.values(pathItems).flatMap((item) => Object.values(item)).filter((op) => op && typeof op === 'object' && 'callbacks' in op).length;
  return {
    format: 'openapi',
    specification: loaded.specification,
    spec_version: loaded.version,
    title: model.title,
    api_version: model.apiVersion,
    description: model.description,
    servers: model.servers,
    summary: {
      path_count: Object.keys(pathItems).length,
      operation_count: model.operations.length,
      schema_count: Object.keys(model.schemas).length,
      parameter_count: paramCounts.reduce((a, b) => a + b, 0),
      tag_count: new Set([...model.tags, ...model.operations.flatMap((o) => o.tags)]).size,
      security_scheme_count: Object.keys(model.securitySchemes).length,
    },
    operations: model.operations.map(summarizeOperation),
    security: securitySection(model),
    lint: await lint(loaded),
    ...coverageAndTestability(model),
    complexity: {
      max_parameters_per_operation: Math.max(0, ...paramCounts),
      avg_parameters_per_operation: paramCounts.length ? Math.round((paramCounts.reduce((a, b) => a + b, 0) / paramCounts.length) * 10) / 10 : 0,
      max_schema_depth: stats.maxDepth,
      polymorphic_schemas: stats.polymorphic,
      enum_count: stats.enums,
      circular_refs: loaded.circularRefs.length,
      callbacks,
      webhooks: Object.keys((loaded.raw.webhooks as object) ?? {}).length,
    },
    external_refs: loaded.externalRefs,
    validation_warnings: loaded.warnings,
  };
}
