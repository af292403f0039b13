import { PayloadTooLargeException } from '@nestjs/common';

/** The document is bigger than `DOCUMENT_MAX_BYTES` (HTTP 413). */
export class DocumentTooLargeError extends PayloadTooLargeException {
  constructor(sizeBytes: number, maxBytes: number) {
    super(`The document is ${sizeBytes} bytes; the limit is ${maxBytes} bytes (DOCUMENT_MAX_BYTES).`);
    this.name = 'DocumentTooLargeError';
  }
}
