import type { DocumentAnalysis } from './analysis/analysis-result.interface';

/** Input of `document_analysis`. */
export interface DocumentAnalysisInput {
  document_id: string;
  /** Set when the task is a step of a pipeline. */
  pipeline_id?: string;
}

/** Result of `document_analysis`: the analysis, plus the next pipeline step when chained. */
export type DocumentAnalysisResult = DocumentAnalysis & { document_id: string; next_task_id?: string };

declare module '../tasks' {
  interface TaskTypeMap {
    document_analysis: { input: DocumentAnalysisInput; result: DocumentAnalysisResult };
  }
}
