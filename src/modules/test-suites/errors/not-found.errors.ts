import { NotFoundException } from '@nestjs/common';

/** No test suite has this id. */
export class TestSuiteNotFoundError extends NotFoundException {
  constructor(id: string) {
    super(`Test suite ${id} was not found.`);
    this.name = 'TestSuiteNotFoundError';
  }
}

/** No test run has this id. */
export class TestRunNotFoundError extends NotFoundException {
  constructor(id: string) {
    super(`Test run ${id} was not found.`);
    this.name = 'TestRunNotFoundError';
  }
}
