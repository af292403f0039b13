import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { join } from 'node:path';
import { TaskHandler, type EventLoopTaskHandler, type WorkerTaskHooks } from '../../src/modules/tasks';
import { wallClockMs } from '../lib/measure';

declare module '../../src/modules/tasks' {
  interface TaskTypeMap {
    'bench.noop': { input: { i: number }; result: null };
    'bench.latency': { input: { seq: number; t0: number }; result: null };
    'bench.cpu': { input: { n: number }; result: number };
  }
}

/** What the handlers saw, for the scenario that drives them. */
export const probe = {
  completed: 0,
  latencies: [] as number[],
  onCompleted: undefined as (() => void) | undefined,
};

@Injectable()
@TaskHandler('bench.noop', { executor: 'event-loop' })
export class NoopHandler implements EventLoopTaskHandler<'bench.noop'> {
  handle(): null {
    probe.completed++;
    probe.onCompleted?.();
    return null;
  }
}

@Injectable()
@TaskHandler('bench.latency', { executor: 'event-loop' })
export class LatencyHandler implements EventLoopTaskHandler<'bench.latency'> {
  handle(input: { seq: number; t0: number }): null {
    if (input.seq >= 0) probe.latencies.push(wallClockMs() - input.t0);
    probe.completed++;
    probe.onCompleted?.();
    return null;
  }
}

@Injectable()
@TaskHandler('bench.cpu', { executor: 'worker', file: join(__dirname, 'cpu.worker') })
export class CpuHandler implements WorkerTaskHooks<'bench.cpu'> {}

/** The benchmark's handlers; the CPU one only when asked, so that other scenarios run without a worker pool, as a service with only event-loop handlers would. */
@Module({})
export class BenchTasksModule {
  static forRoot(options: { cpu: boolean }): DynamicModule {
    return { module: BenchTasksModule, providers: [NoopHandler, LatencyHandler, ...(options.cpu ? [CpuHandler] : [])] };
  }
}
