import { TASK_PRIORITIES } from './task.constants';

const TOP_LEVEL = TASK_PRIORITIES.length - 1;

/**
 * Effective priority level of a waiting task: its priority's level (LOW 0 …
 * URGENT 3) plus one level per `agingMs` it has waited past its `run_at`, capped
 * at URGENT. With `agingMs` = 0 it is the plain level. The claim SQL computes the
 * same thing; this copy orders a claimed batch before it starts.
 */
export function effectiveLevel(priority: number, runAt: Date, now: Date, agingMs: number): number {
  const index = TASK_PRIORITIES.indexOf(priority as never);
  const level = index < 0 ? 0 : TOP_LEVEL - index;
  if (agingMs <= 0) return level;
  return Math.min(TOP_LEVEL, level + Math.floor(Math.max(0, now.getTime() - runAt.getTime()) / agingMs));
}

/** Sorts tasks in start order: effective priority, then run_at, then id (UUIDv7 ids sort by submission). */
export function sortForStart<T extends { priority: number; runAt: Date; taskId: string }>(tasks: T[], now: Date, agingMs: number): T[] {
  const keyed = tasks.map((task) => ({ task, level: effectiveLevel(task.priority, task.runAt, now, agingMs) }));
  keyed.sort(
    (a, b) =>
      b.level - a.level ||
      a.task.runAt.getTime() - b.task.runAt.getTime() ||
      (a.task.taskId < b.task.taskId ? -1 : a.task.taskId > b.task.taskId ? 1 : 0),
  );
  return keyed.map((k) => k.task);
}
