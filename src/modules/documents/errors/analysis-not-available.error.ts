import { NotFoundException } from '@nestjs/common';

/** The document has no completed analysis yet. */
export class AnalysisNotAvailableError extends NotFoundException {
  constructor(documentId: string, detail: string) {
    super(`Document ${documentId} has no analysis yet: ${detail}`);
    this.name = 'AnalysisNotAvailableError';
  }
}
