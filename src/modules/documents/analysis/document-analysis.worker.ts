import type { WorkerTaskContext } from '../../tasks';
import type { DocumentAnalysis } from './analysis-result.interface';
import { analyzeOpenApi } from './openapi-analyzer';
import { analyzeText } from './text-analyzer';

/** What the `document_analysis` handler hands to the thread. */
export interface AnalysisWorkerInput {
  documentId: string;
  format: 'openapi' | 'markdown' | 'text';
  content: string;
}

/** Runs in a worker thread: analyses one document. */
export default async function analyzeDocument(input: AnalysisWorkerInput, context: WorkerTaskContext): Promise<DocumentAnalysis> {
  context.reportProgress(5, `analysing ${input.format}`);
  const analysis = input.format === 'openapi' ? await analyzeOpenApi(input.content) : analyzeText(input.content, input.format);
  context.reportProgress(95, 'analysis done');
  return analysis;
}
