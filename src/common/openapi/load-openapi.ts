import { dereference, validate } from '@readme/openapi-parser';
import { InvalidDocumentError } from './invalid-document.error';
import { openApiVersion, parseStructured } from './parse-document';

/** A parsed, validated and dereferenced description. */
export interface LoadedOpenApi {
  /** The document as parsed (references untouched). */
  raw: Record<string, unknown>;
  /** The document with every internal reference inlined, except circular ones (left as `{ $ref }`). */
  dereferenced: Record<string, unknown>;
  specification: 'OpenAPI' | 'Swagger';
  version: string;
  /** `$ref`s that point outside the document: reported, never followed. */
  externalRefs: Array<{ ref: string; path: string }>;
  circularRefs: string[];
  warnings: string[];
}

/** Every `$ref` that does not start with `#` (a file or a URL), with where it sits. */
export function findExternalRefs(value: unknown, path = '$', found: Array<{ ref: string; path: string }> = []): Array<{ ref: string; path: string }> {
  if (Array.isArray(value)) {
    value.forEach((item, i) => findExternalRefs(item, `${path}[${i}]`, found));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      if (key === '$ref' && typeof child === 'string' && !child.startsWith('#')) found.push({ ref: child, path });
      else findExternalRefs(child, `${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, found);
    }
  }
  return found;
}

/**
 * Parses (ourselves, alias bombs refused), validates against the OpenAPI /
 * Swagger schema and dereferences a description — with external resolution
 * off: a `$ref` to a file or a URL is reported and left alone, so an upload can
 * never make the server read its files or send requests. An invalid document
 * throws `InvalidDocumentError` listing what is wrong and where.
 */
export async function loadOpenApi(content: string): Promise<LoadedOpenApi> {
  const parsed = parseStructured(content);
  const version = openApiVersion(parsed);
  if (!version) {
    throw new InvalidDocumentError(
      'The document is not an OpenAPI 3.x or Swagger 2.0 description: it has no "openapi: 3.x" or "swagger: \'2.0\'" field at the top level',
    );
  }
  const raw = parsed as Record<string, unknown>;
  const externalRefs = findExternalRefs(raw);
  const options = { resolve: { external: false } } as const;
  type ParserInput = Parameters<typeof validate>[0];
  const validation = await validate(structuredClone(raw) as ParserInput, options).catch((error: Error) => {
    throw new InvalidDocumentError('The description could not be validated', [error.message]);
  });
  if (!validation.valid) {
    const problems = validation.errors.map((e) => e.message.trim().split('\n').slice(0, 6).join(' '));
    if (validation.additionalErrors > 0) problems.push(`… and ${validation.additionalErrors} more`);
    throw new InvalidDocumentError(`The ${version.specification} ${version.version} description is invalid`, problems);
  }
  const circularRefs = new Set<string>();
  const dereferenced = (await dereference(structuredClone(raw) as ParserInput, {
    ...options,
    dereference: { circular: 'ignore', onCircular: (ref: string) => circularRefs.add(ref.replace(/^[^#]*/, '')) },
  }).catch((error: Error) => {
    throw new InvalidDocumentError('The description has references that cannot be resolved', [error.message]);
  })) as unknown as Record<string, unknown>;
  return {
    raw,
    dereferenced,
    specification: version.specification,
    version: version.version,
    externalRefs,
    circularRefs: [...circularRefs],
    warnings: validation.warnings.map((w) => w.message),
  };
}
