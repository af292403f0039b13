import type { ReportModel } from '../report-model.interface';

/**
 * The report as pretty-printed JSON (2 spaces). JSON.stringify escapes whatever the
 * target sent (quotes, control characters), so the untrusted strings need nothing more;
 * the keys are picked explicitly so that nothing else a caller put on the model leaks out.
 */
export function renderJsonReport(model: ReportModel): string {
  const { report_id, generated_at, document, run, summary, results } = model;
  return `${JSON.stringify({ report_id, generated_at, document, run, summary, results }, null, 2)}\n`;
}
