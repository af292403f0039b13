import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { TaskStatus } from './task.constants';

/** What a task is once an attempt taken here has ended. */
export type FinishedStatus = Extract<TaskStatus, 'completed' | 'failed' | 'timeout' | 'cancelled' | 'retrying'>;

/** Something that happened to tasks, for observers such as the metrics collector. */
export type TaskLifecycleEvent =
  /** `count` tasks of a type were committed (by this process). */
  | { kind: 'submitted'; taskType: string; count: number }
  /** An attempt started here, `waitMs` after the task became due. */
  | { kind: 'started'; taskType: string; waitMs: number }
  /**
   * An attempt taken here ended and its outcome was written: the task is now `status`. (One
   * handed back to the queue, claimed ahead or at shutdown, raises none: it goes on elsewhere.)
   */
  | { kind: 'finished'; taskType: string; status: FinishedStatus; runMs: number }
  /** A running task abandoned by a dead instance was re-queued (or failed, or cancelled) by this one. */
  | { kind: 'recovered'; taskType: string; status: TaskStatus }
  /** A waiting task was cancelled through this process. */
  | { kind: 'cancelled'; taskType: string }
  /** A finished task was sent back to the queue on request through this process. */
  | { kind: 'requeued'; taskType: string };

/** In-process signals between the manager, the dispatcher and observers (metrics). */
@Injectable()
export class TaskEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  /** New tasks of these types were committed; `runAt` is the earliest time one of them may start. */
  submitted(types: readonly string[], runAt: Date): void {
    this.emitter.emit('submitted', types, runAt);
  }

  /** A cancel was requested for a task that is running (here or elsewhere). */
  cancelRequested(taskId: string): void {
    this.emitter.emit('cancelRequested', taskId);
  }

  lifecycle(event: TaskLifecycleEvent): void {
    if (this.emitter.listenerCount('lifecycle') > 0) this.emitter.emit('lifecycle', event);
  }

  onSubmitted(listener: (types: readonly string[], runAt: Date) => void): () => void {
    this.emitter.on('submitted', listener);
    return () => this.emitter.off('submitted', listener);
  }

  onCancelRequested(listener: (taskId: string) => void): () => void {
    this.emitter.on('cancelRequested', listener);
    return () => this.emitter.off('cancelRequested', listener);
  }

  onLifecycle(listener: (event: TaskLifecycleEvent) => void): () => void {
    this.emitter.on('lifecycle', listener);
    return () => this.emitter.off('lifecycle', listener);
  }
}
