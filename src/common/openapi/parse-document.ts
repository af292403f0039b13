import { parseDocument as parseYaml } from 'yaml';
import { InvalidDocumentError } from './invalid-document.error';

/** YAML features that would let a small upload expand into a huge object are capped (alias bombs). */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses an uploaded description (JSON or YAML) into plain data, ourselves, with
 * `yaml` (which refuses alias bombs) — never with the parsers' own loaders, which
 * expand aliases without limit and follow external references.
 */
export function parseStructured(content: string): unknown {
  const trimmed = content.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(content);
    } catch (error) {
      // Not JSON after all (YAML flow style is JSON-like); let YAML have a go and report its error.
      const yamlResult = tryYaml(content);
      if (yamlResult.ok) return yamlResult.value;
      throw new InvalidDocumentError(`The document is not valid JSON (${(error as Error).message})`);
    }
  }
  const result = tryYaml(content);
  if (!result.ok) throw result.error;
  return result.value;
}

function tryYaml(content: string): { ok: true; value: unknown } | { ok: false; error: InvalidDocumentError } {
  const doc = parseYaml(content, { prettyErrors: true, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      error: new InvalidDocumentError(
        'The document is not valid YAML',
        doc.errors.slice(0, 10).map((e) => e.message.split('\n')[0] + (e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '')),
      ),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    const message = (error as Error).message;
    if (/alias/i.test(message)) {
      return { ok: false, error: new InvalidDocumentError(`The document was refused: its YAML aliases expand too much (${message}); resolve the aliases and upload it again`) };
    }
    return { ok: false, error: new InvalidDocumentError(`The document is not valid YAML (${message})`) };
  }
}

/** The description's version when the data is an OpenAPI 3.x or Swagger 2.0 document, else null. */
export function openApiVersion(data: unknown): { specification: 'OpenAPI' | 'Swagger'; version: string } | null {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return null;
  const record = data as Record<string, unknown>;
  if (typeof record.openapi === 'string' && /^3\.\d+(\.\d+)?/.test(record.openapi)) return { specification: 'OpenAPI', version: record.openapi };
  if (record.swagger === '2.0' || record.swagger === 2) return { specification: 'Swagger', version: '2.0' };
  return null;
}
