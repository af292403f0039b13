import { openApiVersion, parseStructured } from '../../common/openapi/parse-document';

/** Formats a document can have. */
export const DOCUMENT_FORMATS = ['openapi', 'markdown', 'text'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/**
 * Guesses the format of an upload: `openapi` for an OpenAPI 3.x / Swagger 2.0
 * description in JSON or YAML (or something that clearly tries to be one —
 * its analysis then says what is wrong), `markdown` when it has Markdown
 * structure, `text` otherwise.
 */
export function detectFormat(content: string, fileName?: string): DocumentFormat {
  const head = content.slice(0, 4096);
  if (/^\s*["']?(openapi|swagger)["']?\s*:/m.test(head) || /"(openapi|swagger)"\s*:/.test(head)) {
    try {
      if (openApiVersion(parseStructured(content))) return 'openapi';
    } catch {
      // Malformed, but it says it is an OpenAPI description: analysing it as one gives the useful error.
    }
    return 'openapi';
  }
  if (fileName && /\.(md|markdown)$/i.test(fileName)) return 'markdown';
  if (/^#{1,6}\s+\S/m.test(content) || /^```/m.test(content) || /^\s*[-*]\s+\S/m.test(content) && /^#{1,6}\s/m.test(content)) return 'markdown';
  return 'text';
}
