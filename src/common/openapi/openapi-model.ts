/*
 * One model of an API description's operations for both Swagger 2.0 and
 * OpenAPI 3.x, built from a dereferenced document (circular references left as
 * `{ $ref }` objects). The analysis and the test generator both read it.
 */

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A JSON-schema-like object as found in the document. */
export type SchemaObject = Record<string, unknown>;

export interface ParameterModel {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie' | 'formData';
  required: boolean;
  description: string | null;
  /** The parameter's schema (for Swagger 2.0: its type keywords gathered into one). */
  schema: SchemaObject;
  /** A value given by the document: `example`, first of `examples`, `x-example` (2.0). */
  example?: unknown;
}

export interface MediaModel {
  contentType: string;
  schema: SchemaObject | null;
  example?: unknown;
}

export interface RequestBodyModel {
  required: boolean;
  description: string | null;
  media: MediaModel[];
}

export interface ResponseModel {
  /** `200`, `4XX`, `default`. */
  code: string;
  description: string | null;
  media: MediaModel[];
}

export interface OperationModel {
  method: string;
  path: string;
  /** `GET /pets/{petId}`. */
  key: string;
  operationId: string | null;
  summary: string | null;
  description: string | null;
  tags: string[];
  deprecated: boolean;
  parameters: ParameterModel[];
  requestBody: RequestBodyModel | null;
  responses: ResponseModel[];
  /** Security requirements in effect (the operation's, else the document's); [] = explicitly none. */
  security: Array<Record<string, string[]>>;
  /** JSON pointer of the operation in the document (for response schemas). */
  pointer: string;
}

export interface ApiModel {
  specification: 'OpenAPI' | 'Swagger';
  version: string;
  title: string | null;
  apiVersion: string | null;
  description: string | null;
  servers: string[];
  operations: OperationModel[];
  /** Named schemas: `components.schemas` (3.x) or `definitions` (2.0). */
  schemas: Record<string, SchemaObject>;
  securitySchemes: Record<string, SchemaObject>;
  tags: string[];
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const asString = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first example a schema-ish object or media/parameter object carries. */
export function exampleOf(...holders: unknown[]): { found: boolean; value?: unknown } {
  for (const holder of holders) {
    const h = asRecord(holder);
    if ('example' in h) return { found: true, value: h.example };
    if ('x-example' in h) return { found: true, value: h['x-example'] };
    if (Array.isArray(h.examples) && h.examples.length > 0) return { found: true, value: h.examples[0] };
    const named = asRecord(h.examples);
    const first = Object.values(named)[0];
    if (first !== undefined && 'value' in asRecord(first)) return { found: true, value: asRecord(first).value };
  }
  return { found: false };
}

const SWAGGER_SCHEMA_KEYS = ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf', 'collectionFormat'];

function parameterModel(raw: Record<string, unknown>, swagger: boolean): ParameterModel {
  let schema: SchemaObject;
  if (swagger && raw.in !== 'body') {
    schema = Object.fromEntries(SWAGGER_SCHEMA_KEYS.filter((k) => k in raw).map((k) => [k, raw[k]]));
  } else if (raw.schema) {
    schema = asRecord(raw.schema);
  } else {
    // OpenAPI 3 `content` form of a parameter: take its first media type's schema.
    const media = Object.values(asRecord(raw.content))[0];
    schema = asRecord(asRecord(media).schema);
  }
  const example = exampleOf(raw, schema);
  return {
    name: String(raw.name ?? ''),
    in: (raw.in as ParameterModel['in']) ?? 'query',
    required: raw.in === 'path' ? true : raw.required === true,
    description: asString(raw.description),
    schema,
    ...(example.found ? { example: example.value } : {}),
  };
}

function mediaList(content: unknown): MediaModel[] {
  return Object.entries(asRecord(content)).map(([contentType, media]) => {
    const m = asRecord(media);
    const schema = m.schema ? asRecord(m.schema) : null;
    const example = exampleOf(m, schema);
    return { contentType, schema, ...(example.found ? { example: example.value } : {}) };
  });
}

/** Builds the model from a dereferenced OpenAPI 3.x or Swagger 2.0 document. */
export function buildApiModel(doc: Record<string, unknown>): ApiModel {
  const swagger = doc.swagger !== undefined;
  const info = asRecord(doc.info);
  const globalSecurity = Array.isArray(doc.security) ? (doc.security as Array<Record<string, string[]>>) : [];
  const globalConsumes = Array.isArray(doc.consumes) ? (doc.consumes as string[]) : ['application/json'];
  const globalProduces = Array.isArray(doc.produces) ? (doc.produces as string[]) : ['application/json'];
  const operations: OperationModel[] = [];

  for (const [path, itemValue] of Object.entries(asRecord(doc.paths))) {
    const item = asRecord(itemValue);
    const shared = Array.isArray(item.parameters) ? (item.parameters as unknown[]) : [];
    for (const method of HTTP_METHODS) {
      if (!(method in item)) continue;
      const op = asRecord(item[method]);
      const own = Array.isArray(op.parameters) ? (op.parameters as unknown[]) : [];
      // Operation-level parameters override path-level ones with the same name and location.
      const merged = new Map<string, Record<string, unknown>>();
      for (const p of [...shared, ...own].map(asRecord)) merged.set(`${String(p.in)}:${String(p.name)}`, p);
      const rawParams = [...merged.values()];

      let requestBody: RequestBodyModel | null = null;
      const parameters: ParameterModel[] = [];
      if (swagger) {
        const consumes = Array.isArray(op.consumes) ? (op.consumes as string[]) : globalConsumes;
        for (const p of rawParams) {
          if (p.in === 'body') {
            const schema = asRecord(p.schema);
            const example = exampleOf(p, schema);
            requestBody = {
              required: p.required === true,
              description: asString(p.description),
              media: consumes.map((contentType) => ({ contentType, schema, ...(example.found ? { example: example.value } : {}) })),
            };
          } else {
            parameters.push(parameterModel(p, true));
          }
        }
      } else {
        parameters.push(...rawParams.map((p) => parameterModel(p, false)));
        if (op.requestBody) {
          const body = asRecord(op.requestBody);
          requestBody = { required: body.required === true, description: asString(body.description), media: mediaList(body.content) };
        }
      }

      const produces = Array.isArray(op.produces) ? (op.produces as string[]) : globalProduces;
      const responses: ResponseModel[] = Object.entries(asRecord(op.responses)).map(([code, value]) => {
        const r = asRecord(value);
        if (swagger) {
          const schema = r.schema ? asRecord(r.schema) : null;
          const example = Object.values(asRecord(r.examples))[0];
          return {
            code,
            description: asString(r.description),
            media: schema ? produces.map((contentType) => ({ contentType, schema, ...(example !== undefined ? { example } : {}) })) : [],
          };
        }
        return { code, description: asString(r.description), media: mediaList(r.content) };
      });

      operations.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        operationId: asString(op.operationId),
        summary: asString(op.summary),
        description: asString(op.description),
        tags: Array.isArray(op.tags) ? op.tags.map(String) : [],
        deprecated: op.deprecated === true,
        parameters,
        requestBody,
        responses,
        security: Array.isArray(op.security) ? (op.security as Array<Record<string, string[]>>) : globalSecurity,
        pointer: `#/paths/${escapePointer(path)}/${method}`,
      });
    }
  }

  const components = asRecord(doc.components);
  const servers = swagger
    ? doc.host
      ? (Array.isArray(doc.schemes) && doc.schemes.length > 0 ? (doc.schemes as string[]) : ['https']).map((s) => `${s}://${String(doc.host)}${asString(doc.basePath) ?? ''}`)
      : []
    : (Array.isArray(doc.servers) ? doc.servers : []).map((s) => String(asRecord(s).url ?? '')).filter(Boolean);
  return {
    specification: swagger ? 'Swagger' : 'OpenAPI',
    version: String(swagger ? doc.swagger : doc.openapi),
    title: asString(info.title),
    apiVersion: info.version === undefined ? null : String(info.version),
    description: asString(info.description),
    servers,
    operations,
    schemas: asRecord(swagger ? doc.definitions : components.schemas) as Record<string, SchemaObject>,
    securitySchemes: asRecord(swagger ? doc.securityDefinitions : components.securitySchemes) as Record<string, SchemaObject>,
    tags: (Array.isArray(doc.tags) ? doc.tags : []).map((t) => String(asRecord(t).name ?? '')).filter(Boolean),
  };
}

/** JSON pointer of a response's schema inside the original document, for validators that resolve it there. */
export function responseSchemaPointer(operation: OperationModel, code: string, contentType: string, swagger: boolean): string {
  return swagger
    ? `${operation.pointer}/responses/${escapePointer(code)}/schema`
    : `${operation.pointer}/responses/${escapePointer(code)}/content/${escapePointer(contentType)}/schema`;
}
