/** Input of `test_generation`. */
export interface TestGenerationInput {
  document_id: string;
  pipeline_id?: string;
}

/** Result of `test_generation`. */
export interface TestGenerationResult {
  test_suite_id: string;
  document_id: string;
  case_count: number;
  positive_cases: number;
  negative_cases: number;
  operation_count: number;
  next_task_id?: string;
}

/** Input of `test_execution`: the run row holds the target and its (secret) headers. */
export interface TestExecutionInput {
  test_run_id: string;
  pipeline_id?: string;
}

/** Result of `test_execution`. */
export interface TestExecutionResult {
  test_run_id: string;
  test_suite_id: string;
  total: number;
  passed: number;
  failed: number;
  errored: number;
  next_task_id?: string;
}

declare module '../tasks' {
  interface TaskTypeMap {
    test_generation: { input: TestGenerationInput; result: TestGenerationResult };
    test_execution: { input: TestExecutionInput; result: TestExecutionResult };
  }
}
