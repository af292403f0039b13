import { sample } from 'openapi-sampler';
import type { LoadedOpenApi } from '../../../common/openapi/load-openapi';
import { buildApiModel, type MediaModel, type OperationModel, type ParameterModel, type SchemaObject } from '../../../common/openapi/openapi-model';
import type { CaseRequest, NegativeVariant, TestCase } from '../test-case.interface';

/** Response schemas the run validates against, per operation, status and media type. */
export interface SuiteValidation {
  /** JSON Schema dialect of the document's schemas: OpenAPI 3.1 → 2020-12; 3.0 and Swagger 2.0 → draft-04 (+ `nullable`). */
  dialect: 'draft-04' | '2020-12';
  responses: Record<string, Record<string, Record<string, SchemaObject | null>>>;
  /**
   * Named schemas, kept only when circular references remain in the response
   * schemas (`{ $ref: '#/components/schemas/…' }` / `'#/definitions/…'`).
   */
  refs: Record<string, unknown> | null;
}

export interface GeneratedSuite {
  specVersion: string;
  cases: TestCase[];
  validation: SuiteValidation;
}

/** At most this many negative cases per operation (the suite stays small and deterministic). */
const MAX_NEGATIVES_PER_OPERATION = 25;

const isJson = (contentType: string): boolean => /^application\/(.+\+)?json\b/i.test(contentType) || contentType === '*/*';

/** Deterministic sample of a schema (openapi-sampler), read-only properties left out as a client would. */
function sampleOf(schema: SchemaObject | null, spec: Record<string, unknown>): unknown {
  if (!schema) return undefined;
  try {
    return sample(schema as never, { skipReadOnly: true, quiet: true }, spec as never);
  } catch {
    return undefined;
  }
}

/** A value for a parameter: its example, else default, else first enum value, else a sample of its schema (Dredd's order). */
function parameterValue(p: ParameterModel, spec: Record<string, unknown>): unknown {
  if (p.example !== undefined) return p.example;
  if (p.schema.example !== undefined) return p.schema.example;
  if (p.schema.default !== undefined) return p.schema.default;
  if (Array.isArray(p.schema.enum) && p.schema.enum.length > 0) return p.schema.enum[0];
  return sampleOf(p.schema, spec) ?? 'x';
}

function toParamString(value: unknown): string | string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v)));
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function jsonMedia(media: MediaModel[]): MediaModel | undefined {
  return media.find((m) => /^application\/json\b/i.test(m.contentType)) ?? media.find((m) => isJson(m.contentType));
}

/** Statuses a conforming answer to valid input may have: the documented 2xx (and 3xx) codes, else any 2xx. */
function successStatuses(op: OperationModel): string[] {
  const codes = op.responses.map((r) => r.code.toUpperCase()).filter((c) => /^[23]/.test(c));
  return codes.length > 0 ? codes : ['2XX'];
}

function typeOf(schema: SchemaObject): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return (schema.type as string[]).find((t) => t !== 'null');
  return undefined;
}

/** Values that break one rule of a schema, with the rule they break. */
function invalidValues(schema: SchemaObject): Array<{ variant: NegativeVariant; value: unknown; detail: string }> {
  const out: Array<{ variant: NegativeVariant; value: unknown; detail: string }> = [];
  const type = typeOf(schema);
  if (type === 'integer' || type === 'number') out.push({ variant: 'wrong_type', value: 'not-a-number', detail: `a string where a ${type} is expected` });
  else if (type === 'boolean') out.push({ variant: 'wrong_type', value: 'not-a-boolean', detail: 'a string where a boolean is expected' });
  else if (type === 'string') out.push({ variant: 'wrong_type', value: 12345, detail: 'a number where a string is expected' });
  else if (type === 'array') out.push({ variant: 'wrong_type', value: 'not-an-array', detail: 'a string where an array is expected' });
  else if (type === 'object') out.push({ variant: 'wrong_type', value: 'not-an-object', detail: 'a string where an object is expected' });
  if (typeof schema.minimum === 'number') {
    const value = schema.exclusiveMinimum === true ? schema.minimum : schema.minimum - (type === 'integer' ? 1 : 0.5);
    out.push({ variant: 'below_minimum', value, detail: `${value}, below the minimum ${schema.minimum}` });
  }
  if (typeof schema.exclusiveMinimum === 'number') out.push({ variant: 'below_minimum', value: schema.exclusiveMinimum, detail: `${schema.exclusiveMinimum}, not above the exclusive minimum` });
  if (typeof schema.maximum === 'number') {
    const value = schema.exclusiveMaximum === true ? schema.maximum : schema.maximum + (type === 'integer' ? 1 : 0.5);
    out.push({ variant: 'above_maximum', value, detail: `${value}, above the maximum ${schema.maximum}` });
  }
  if (typeof schema.exclusiveMaximum === 'number') out.push({ variant: 'above_maximum', value: schema.exclusiveMaximum, detail: `${schema.exclusiveMaximum}, not below the exclusive maximum` });
  if (typeof schema.minLength === 'number' && schema.minLength > 0) {
    out.push({ variant: 'too_short', value: 'a'.repeat(schema.minLength - 1), detail: `${schema.minLength - 1} characters, shorter than minLength ${schema.minLength}` });
  }
  if (typeof schema.maxLength === 'number') {
    out.push({ variant: 'too_long', value: 'a'.repeat(schema.maxLength + 1), detail: `${schema.maxLength + 1} characters, longer than maxLength ${schema.maxLength}` });
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && schema.enum.every((v) => typeof v === 'string')) {
    out.push({ variant: 'invalid_enum', value: '__not_in_enum__', detail: `a value outside the enum (${(schema.enum as string[]).slice(0, 5).join(', ')})` });
  }
  return out;
}

function clone(request: CaseRequest): CaseRequest {
  return structuredClone(request);
}

/**
 * One operation's cases: a positive case from the documented examples (or
 * samples), then negative cases that each break exactly one rule of the positive
 * request — a missing required parameter, field or body, a wrong type, a value
 * out of range, too short or too long, outside the enum — each expecting a 4xx.
 */
function operationCases(op: OperationModel, spec: Record<string, unknown>): TestCase[] {
  const positive: CaseRequest = { method: op.method, path: op.path, path_params: {}, query: {}, headers: {} };
  const sendable = op.parameters.filter((p) => p.in !== 'formData');
  for (const p of sendable) {
    const documented = p.example !== undefined || p.schema.example !== undefined;
    if (!p.required && !documented) continue;
    const value = toParamString(parameterValue(p, spec));
    if (p.in === 'path') positive.path_params[p.name] = String(value);
    else if (p.in === 'query') positive.query[p.name] = value;
    else if (p.in === 'header') positive.headers[p.name] = String(value);
    else if (p.in === 'cookie') positive.headers.cookie = [positive.headers.cookie, `${p.name}=${String(value)}`].filter(Boolean).join('; ');
  }
  const bodyMedia = op.requestBody ? jsonMedia(op.requestBody.media) : undefined;
  let bodySchema: SchemaObject | null = null;
  if (op.requestBody && bodyMedia) {
    bodySchema = bodyMedia.schema;
    const value = bodyMedia.example !== undefined ? bodyMedia.example : bodySchema?.example !== undefined ? bodySchema.example : sampleOf(bodySchema, spec);
    if (value !== undefined) {
      positive.body = value;
      positive.content_type = bodyMedia.contentType === '*/*' ? 'application/json' : bodyMedia.contentType;
    }
  }
  const cases: TestCase[] = [];
  const add = (name: string, kind: TestCase['kind'], request: CaseRequest, expected: string[], variant?: NegativeVariant, target?: string) =>
    cases.push({ id: `${op.key}#${cases.length + 1}`, operation_key: op.key, operation_id: op.operationId, name, kind, variant, target, request, expected_statuses: expected });

  // A required body we cannot express as JSON (XML, multipart…) would make the positive case a false failure.
  const canSendBody = !op.requestBody?.required || positive.body !== undefined;
  if (canSendBody) add(`${op.key} with documented example values`, 'positive', positive, successStatuses(op));

  const negatives: Array<Parameters<typeof add>> = [];
  const negative = (name: string, mutate: (r: CaseRequest) => void, variant: NegativeVariant, target: string) => {
    const request = clone(positive);
    mutate(request);
    negatives.push([`${op.key}: ${name}`, 'negative', request, ['4XX'], variant, target]);
  };
  for (const p of sendable) {
    const location = p.in === 'cookie' ? 'header' : p.in;
    const bag = (r: CaseRequest): Record<string, unknown> => (location === 'path' ? r.path_params : location === 'query' ? r.query : r.headers);
    if (p.required && p.in !== 'path' && p.in !== 'cookie') {
      negative(`missing required ${p.in} parameter "${p.name}"`, (r) => delete bag(r)[p.name], 'missing_required_parameter', `${p.in}.${p.name}`);
    }
    if (p.in === 'cookie') continue;
    for (const invalid of invalidValues(p.schema)) {
      if (invalid.variant === 'wrong_type' && typeOf(p.schema) === 'string') continue; // every parameter travels as text
      negative(`${p.in} parameter "${p.name}" is ${invalid.detail}`, (r) => (bag(r)[p.name] = String(invalid.value)), invalid.variant, `${p.in}.${p.name}`);
    }
  }
  if (op.requestBody && positive.body !== undefined) {
    if (op.requestBody.required) {
      negative('required request body missing', (r) => {
        delete r.body;
        delete r.content_type;
      }, 'missing_required_body', 'body');
    }
    const objectBody = positive.body && typeof positive.body === 'object' && !Array.isArray(positive.body);
    const properties = (bodySchema?.properties ?? {}) as Record<string, SchemaObject>;
    if (objectBody) {
      for (const name of Array.isArray(bodySchema?.required) ? (bodySchema!.required as string[]) : []) {
        negative(`required body field "${name}" missing`, (r) => delete (r.body as Record<string, unknown>)[name], 'missing_required_field', `body.${name}`);
      }
      for (const [name, schema] of Object.entries(properties)) {
        if (schema.readOnly === true || schema.$ref) continue;
        for (const invalid of invalidValues(schema)) {
          negative(`body field "${name}" is ${invalid.detail}`, (r) => ((r.body as Record<string, unknown>)[name] = invalid.value), invalid.variant, `body.${name}`);
        }
      }
    }
  }
  for (const n of negatives.slice(0, MAX_NEGATIVES_PER_OPERATION)) add(...n);
  return cases;
}

/** The response schemas of every operation, for the run's checks. */
function validationFor(loaded: LoadedOpenApi, operations: OperationModel[]): SuiteValidation {
  const responses: SuiteValidation['responses'] = {};
  for (const op of operations) {
    const byCode: Record<string, Record<string, SchemaObject | null>> = {};
    for (const response of op.responses) {
      byCode[response.code.toUpperCase()] = Object.fromEntries(response.media.map((m) => [m.contentType, m.schema]));
    }
    responses[op.key] = byCode;
  }
  const deref = loaded.dereferenced;
  const refs = loaded.circularRefs.length === 0 ? null : loaded.specification === 'Swagger' ? { definitions: deref.definitions } : { components: deref.components };
  return { dialect: loaded.specification === 'OpenAPI' && loaded.version.startsWith('3.1') ? '2020-12' : 'draft-04', responses, refs };
}

/** Generates a test suite from a loaded description (deterministic: the same document gives the same cases). */
export function generateSuite(loaded: LoadedOpenApi): GeneratedSuite {
  const model = buildApiModel(loaded.dereferenced);
  const cases = model.operations.filter((op) => !op.deprecated).flatMap((op) => operationCases(op, loaded.dereferenced));
  return { specVersion: loaded.version, cases, validation: validationFor(loaded, model.operations) };
}
