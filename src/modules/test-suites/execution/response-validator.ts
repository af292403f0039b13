import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { SuiteValidation } from '../generation/case-generator';

type SchemaObject = Record<string, unknown>;

/** A documented response: its status key (`200`, `4XX`, `default`) and media types. */
export interface DocumentedResponse {
  code: string;
  media: Record<string, SchemaObject | null>;
}

/** `application/json; charset=utf-8` → `application/json`. */
export const mediaTypeOf = (header: string | null): string | null => (header ? header.split(';')[0].trim().toLowerCase() : null);

/** Whether a response media type satisfies a documented one (wildcards allowed). */
export function mediaMatches(actual: string, documented: string): boolean {
  const [type, sub] = documented.toLowerCase().split(';')[0].trim().split('/');
  const [aType, aSub] = actual.split('/');
  return (type === '*' || type === aType) && (sub === '*' || sub === aSub);
}

/**
 * Checks responses against the description's schemas with Ajv. OpenAPI 3.0 and
 * Swagger 2.0 schemas are draft-04 dialect with OpenAPI keywords (boolean
 * `exclusiveMinimum`, `nullable`, `discriminator`, `example`), which Ajv's
 * default draft-07 class rejects: they go to the draft-04 class with `nullable`
 * and `discriminator` on. OpenAPI 3.1 schemas are JSON Schema 2020-12. Schemas
 * with circular references keep `$ref`s into `components`/`definitions`, which
 * resolve against the suite's `refs`. Compiled validators are cached per schema.
 */
export class ResponseValidator {
  private readonly ajv: AjvDraft04 | Ajv2020;
  private readonly compiled = new Map<SchemaObject, ValidateFunction | Error>();

  constructor(private readonly validation: SuiteValidation) {
    const options = { strict: false, allErrors: true, validateSchema: false, discriminator: true, logger: false as const };
    this.ajv = validation.dialect === '2020-12' ? new Ajv2020(options) : new AjvDraft04(options);
    addFormats(this.ajv as never);
    if (validation.refs) this.ajv.addSchema(validation.refs, 'refs');
  }

  /** The documented response for a status: exact code, then its class (`4XX`), then `default`. */
  documented(operationKey: string, status: number): DocumentedResponse | null {
    const responses = this.validation.responses[operationKey] ?? {};
    for (const code of [String(status), `${String(status)[0]}XX`, 'DEFAULT']) {
      if (responses[code]) return { code, media: responses[code] };
    }
    return null;
  }

  /** Errors of `body` against `schema` (at most five, with their JSON path), or [] when it conforms. */
  validate(schema: SchemaObject, body: unknown): string[] {
    const validate = this.compile(schema);
    if (validate instanceof Error) return [`the documented schema could not be compiled: ${validate.message}`];
    if (validate(body)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);
  }

  private compile(schema: SchemaObject): ValidateFunction | Error {
    let entry = this.compiled.get(schema);
    if (!entry) {
      try {
        entry = this.ajv.compile(this.validation.refs ? rebase(schema) : schema);
      } catch (error) {
        entry = error as Error;
      }
      this.compiled.set(schema, entry);
    }
    return entry;
  }
}

/** Points local `$ref`s (`#/components/…`) at the registered `refs` schema. */
function rebase(node: unknown): SchemaObject {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value as SchemaObject).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `refs${v}` : walk(v)]),
    );
  };
  return walk(node) as SchemaObject;
}
