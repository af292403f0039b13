import type { WorkerTaskContext } from '../../tasks';
import { loadOpenApi } from '../../../common/openapi/load-openapi';
import { generateSuite, type GeneratedSuite } from './case-generator';

/** Runs in a worker thread: loads the description and generates its cases. */
export default async function generateTests(input: { content: string }, context: WorkerTaskContext): Promise<GeneratedSuite> {
  context.reportProgress(10, 'loading the description');
  const loaded = await loadOpenApi(input.content);
  context.reportProgress(50, 'generating cases');
  return generateSuite(loaded);
}
