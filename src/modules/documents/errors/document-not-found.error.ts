import { NotFoundException } from '@nestjs/common';

/** No document has this id (never uploaded, or deleted). */
export class DocumentNotFoundError extends NotFoundException {
  constructor(readonly documentId: string) {
    super(`Document ${documentId} was not found.`);
    this.name = 'DocumentNotFoundError';
  }
}
