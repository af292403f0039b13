/**
 * The document cannot be analysed as it stands (malformed JSON/YAML, not a valid
 * OpenAPI description, an alias bomb, …). The message says what is wrong and
 * where; retrying would not help.
 */
export class InvalidDocumentError extends Error {
  readonly retryable = false;

  constructor(
    message: string,
    /** Individual problems, each with its location when known. */
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}:\n- ${problems.join('\n- ')}` : message);
    this.name = 'InvalidDocumentError';
  }
}
