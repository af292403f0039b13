import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** In-process signals between the manager and the dispatcher (which may not run in this process). */
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

  onSubmitted(listener: (types: readonly string[], runAt: Date) => void): () => void {
    this.emitter.on('submitted', listener);
    return () => this.emitter.off('submitted', listener);
  }

  onCancelRequested(listener: (taskId: string) => void): () => void {
    this.emitter.on('cancelRequested', listener);
    return () => this.emitter.off('cancelRequested', listener);
  }
}
