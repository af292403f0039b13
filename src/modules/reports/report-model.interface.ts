import type { CaseResult, RunSummary } from '../test-suites/test-case.interface';

/** Everything a report is rendered from. All strings that came from the target or the document are untrusted. */
export interface ReportModel {
  report_id: string;
  generated_at: string;
  document: { id: string; name: string; title: string | null; api_version: string | null; spec_version: string | null };
  run: {
    id: string;
    base_url: string;
    started_at: string | null;
    completed_at: string | null;
    /** Request headers of the run, secrets masked. */
    headers: Record<string, string>;
  };
  summary: RunSummary;
  results: CaseResult[];
}
