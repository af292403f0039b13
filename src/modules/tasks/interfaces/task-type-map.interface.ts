/**
 * The map from task type to its input and result types. It is empty here: every
 * feature module adds its own types by declaration merging, so that
 * `manager.submit('document_analysis', input)` type-checks the input.
 *
 * @example
 * declare module '../tasks' {
 *   interface TaskTypeMap {
 *     document_analysis: { input: { documentId: string }; result: AnalysisResult };
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TaskTypeMap {}

/** Names of all registered task types. */
export type TaskType = Extract<keyof TaskTypeMap, string>;

/** Input of task type `T`. */
export type TaskInput<T extends TaskType> = TaskTypeMap[T] extends { input: infer I } ? I : never;

/** Result of task type `T`. */
export type TaskResult<T extends TaskType> = TaskTypeMap[T] extends { result: infer R } ? R : never;
