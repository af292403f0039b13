import type { ReportModel } from '../report-model.interface';
import { renderHtmlReport } from './render-html';
import { renderJsonReport } from './render-json';
import { renderJunitReport } from './render-junit';
import { renderMarkdownReport } from './render-markdown';

export { curlCommand, shellQuote, type CurlRequest } from './curl-command';
export { renderHtmlReport } from './render-html';
export { renderJsonReport } from './render-json';
export { renderJunitReport } from './render-junit';
export { renderMarkdownReport } from './render-markdown';

/** The formats a report can be rendered in. */
export type ReportFormat = 'html' | 'markdown' | 'json' | 'junit';

/** Every {@link ReportFormat}, for validating input and listing the choices. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'markdown', 'json', 'junit'];

/** A rendered report with what is needed to serve or store it. */
export interface RenderedReport {
  body: string;
  contentType: string;
  /** File extension without the dot. */
  extension: string;
}

const FORMATS: Record<ReportFormat, { render: (model: ReportModel) => string; contentType: string; extension: string }> = {
  html: { render: renderHtmlReport, contentType: 'text/html; charset=utf-8', extension: 'html' },
  markdown: { render: renderMarkdownReport, contentType: 'text/markdown; charset=utf-8', extension: 'md' },
  json: { render: renderJsonReport, contentType: 'application/json; charset=utf-8', extension: 'json' },
  junit: { render: renderJunitReport, contentType: 'application/xml; charset=utf-8', extension: 'xml' },
};

/** Content type and file extension of a format (for serving a stored rendering). */
export function reportFormatMeta(format: ReportFormat): { contentType: string; extension: string } {
  if (!Object.hasOwn(FORMATS, format)) throw new Error(`Unknown report format: ${JSON.stringify(format)}`);
  const { contentType, extension } = FORMATS[format];
  return { contentType, extension };
}

/**
 * Renders the report in the given format. The format may arrive from a worker's input
 * untyped, so an unknown one is refused (own keys only: `__proto__` is not a format).
 */
export function renderReport(model: ReportModel, format: ReportFormat): RenderedReport {
  if (!Object.hasOwn(FORMATS, format)) throw new Error(`Unknown report format: ${JSON.stringify(format)}`);
  const { render, contentType, extension } = FORMATS[format];
  return { body: render(model), contentType, extension };
}
