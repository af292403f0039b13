import type { WorkerTaskContext } from '../tasks';
import type { ReportModel } from './report-model.interface';
import { renderHtmlReport, renderJsonReport, renderJunitReport, renderMarkdownReport } from './render';

/** The four renderings of a report. */
export interface RenderedReports {
  json: string;
  markdown: string;
  html: string;
  junit: string;
}

/** Runs in a worker thread: renders a report in every format. */
export default function renderReports(model: ReportModel, context: WorkerTaskContext): RenderedReports {
  context.reportProgress(10, 'rendering');
  return {
    json: renderJsonReport(model),
    markdown: renderMarkdownReport(model),
    html: renderHtmlReport(model),
    junit: renderJunitReport(model),
  };
}
