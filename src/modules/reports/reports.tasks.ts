/** Input of `report_generation`. */
export interface ReportGenerationInput {
  test_run_id: string;
  pipeline_id?: string;
}

/** Result of `report_generation`. */
export interface ReportGenerationResult {
  report_id: string;
  test_run_id: string;
  formats: string[];
  summary: { total: number; passed: number; failed: number; errored: number };
}

declare module '../tasks' {
  interface TaskTypeMap {
    report_generation: { input: ReportGenerationInput; result: ReportGenerationResult };
  }
}
