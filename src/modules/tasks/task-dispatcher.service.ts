import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { sortForStart } from './claim-order';
import { TaskAbortReason } from './errors/task-abort-reason';
import { EventLoopExecutor } from './executors/event-loop.executor';
import type { ExecutionResult, ExecutorStats, TaskExecutor } from './executors/task-executor.interface';
import { WorkerPoolExecutor } from './executors/worker-pool.executor';
import type { TaskContext } from './interfaces/task-handler.interface';
import type { TaskAttemptOutcome, TaskErrorInfo } from './interfaces/task-record.interface';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
import { backoffDelayMs, toErrorInfo } from './retry/retry-policy';
import type { AttemptEnd, ClaimConnection, ClaimedTask, Completion, HeldAttempt, TaskStore } from './storage/task-store.interface';
import type { TaskNotifier } from './storage/task-notifier.interface';
import { TaskEvents, type FinishedStatus } from './task-events';
import { TaskHandlerRegistry, type RegisteredTaskHandler } from './task-handler.registry';
import { taskLogContext } from './task-log-context';
import { TASK_NOTIFIER, TASK_STORE, TASK_WORKER_ID, TASKS_MODULE_OPTIONS, type TaskExecutorKind, type TaskStatus } from './task.constants';

/** A task this process is running. */
interface RunningTask {
  claimed: ClaimedTask;
  handler: RegisteredTaskHandler;
  kind: TaskExecutorKind;
  controller: AbortController;
  /** Set right after the handler starts (see `startTask`). */
  timeout?: NodeJS.Timeout;
  /** performance.now() when the handler started (for the run-time average that decides claiming ahead). */
  startedAtMs: number;
  progress?: { percent: number; message: string | null; timer?: NodeJS.Timeout; writing: boolean; dirty: boolean };
}

/** Claim-loop state of one executor kind. */
interface ClaimState {
  inFlight: boolean;
  /** A wake-up arrived while a claim was in flight: claim again. */
  again: boolean;
  /** The last claim filled every free slot, so more tasks may be due. */
  more: boolean;
  /** A claim is scheduled for the next turn of the event loop. */
  scheduled: boolean;
  /** Slots promised to tasks taken at submit whose rows are being written. */
  direct: number;
  /** Claims in a row that came back short because other instances held the due tasks. */
  contended: number;
  /** Tasks of this executor running now. */
  active: number;
  /** Tasks claimed ahead, in start order, waiting for a slot (see `claimRoom`). */
  ahead: ClaimedTask[];
  /**
   * performance.now() when a task last left that line for a slot, or the line filled from empty
   * (or was kept at the hold because back-pressure, not runs, held it: the hold then starts again).
   */
  lineMovedAtMs: number;
  /** Fires when the line may have stood still for `claimAheadHoldMs` (see `watchLine`). */
  holdTimer?: NodeJS.Timeout;
  /** The line stood still and was handed back: claim no more than the free slots until a run ends. */
  stalled: boolean;
  /** Moving average of how long a task of this executor runs, ms (Infinity until one has run). */
  runMsAverage: number;
  /** The claim loop in flight, awaited at shutdown. */
  loop?: Promise<void>;
}

/** A slot promised at submit (see `TaskDispatcher.takeAtSubmit`). */
export interface DirectClaim {
  workerId: string;
  leaseUntil: Date;
  kind: TaskExecutorKind;
}

/** A snapshot of a running task, for the monitor. */
export interface RunningTaskInfo {
  task_id: string;
  task_type: string;
  executor: TaskExecutorKind;
  attempt: number;
  started_at: string;
  progress: number | null;
}

const WRITE_BATCH = 500;
const MAX_CONTENDED_RECLAIMS = 3;
const RECOVERY_BATCH = 500;
const PROGRESS_MIN_INTERVAL_MS = 250;
/** Tasks running shorter than this on average are claimed a batch ahead. */
const CLAIM_AHEAD_MAX_RUN_MS = 10;
/** The longest a task claimed ahead should wait for its slot, in runs of the executor's average length (three of the longest short runs). */
const CLAIM_AHEAD_MAX_WAIT_MS = 3 * CLAIM_AHEAD_MAX_RUN_MS;
/** A claim ahead asks for at least this many tasks (a small executor's two executors' worth is less) when they fit in that wait. */
const CLAIM_AHEAD_MIN_BATCH = 16;
/** ...and holds up to this many waiting for a slot (three executors' worth, if more). */
const CLAIM_AHEAD_MIN_HELD = 24;
/** Default of `claimAheadHoldMs` (graphile-worker's local queue keeps its jobs up to 5 min). */
const CLAIM_AHEAD_HOLD_MS = 1000;
/** The longest delay setTimeout takes (longer ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Weight of the newest run in the moving average of run times. */
const RUN_MS_WEIGHT = 0.1;

const EXECUTOR_KINDS: readonly TaskExecutorKind[] = ['worker', 'event-loop'];

const newClaimState = (): ClaimState => ({
  inFlight: false,
  again: false,
  more: true,
  scheduled: false,
  direct: 0,
  contended: 0,
  active: 0,
  ahead: [],
  lineMovedAtMs: 0,
  stalled: false,
  runMsAverage: Infinity,
});

/**
 * The dispatcher: claims due tasks in batches, runs them on their executor,
 * writes their outcome, keeps their leases alive, recovers tasks abandoned by
 * dead instances and drains on shutdown.
 *
 * Flow of one task: claim (one statement for the whole batch) → executor →
 * outcome queued → written with the other outcomes of the moment in one
 * statement, while the next claim runs. Claims ask for the executors' free
 * slots — more while tasks run short, which then wait here for a slot (see
 * `claimRoom`) — and stop while too many outcomes are still waiting to be
 * written.
 */
@Injectable()
export class TaskDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TaskDispatcher');
  private readonly executors: Record<TaskExecutorKind, TaskExecutor>;
  private readonly running = new Map<string, RunningTask>();
  private readonly claimStates: Record<TaskExecutorKind, ClaimState> = {
    worker: newClaimState(),
    'event-loop': newClaimState(),
  };
  private readonly completions: Completion[] = [];
  private readonly ends: AttemptEnd[] = [];
  /** Attempts whose outcome is queued but not yet written: still ours, so their leases are renewed. */
  private readonly unwritten = new Map<string, number>();
  /** Running or unwritten tasks of a type with a cluster-wide concurrency limit. */
  private readonly limitedTasks = new Set<string>();
  private writing = false;
  private flushScheduled = false;
  private writeFailures = 0;
  private claimFailures = 0;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private readonly timers = new Set<NodeJS.Timeout>();
  private heartbeatTimer?: NodeJS.Timeout;
  private wakeTimer?: { at: number; timer: NodeJS.Timeout };
  private readonly unsubscribe: Array<() => void> = [];
  private settled?: () => void;
  private lastHeartbeatAt?: Date;

  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(TASK_NOTIFIER) private readonly notifier: TaskNotifier,
    @Inject(TASKS_MODULE_OPTIONS) private readonly options: TasksModuleOptions,
    @Inject(TASK_WORKER_ID) readonly workerId: string,
    private readonly registry: TaskHandlerRegistry,
    private readonly events: TaskEvents,
  ) {
    this.executors = {
      worker: new WorkerPoolExecutor({ size: options.maxCpuWorkers, abortGraceMs: options.abortGraceMs, maxOldGenerationSizeMb: options.workerMaxMemoryMb }),
      'event-loop': new EventLoopExecutor(options.maxIoWorkers),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.workerEnabled) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Whether this process is claiming and running tasks. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Whether any registered handler runs on worker threads. */
  get hasWorkerHandlers(): boolean {
    return this.registry.types('worker').length > 0;
  }

  /** When leases were last renewed (null before the first heartbeat). */
  get lastHeartbeat(): Date | null {
    return this.lastHeartbeatAt ?? null;
  }

  /** Starts claiming. Called at bootstrap when `workerEnabled`; tests with a quiet queue call it themselves. */
  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'running';
    const kinds = this.activeKinds();
    await Promise.all(kinds.map((kind) => this.executors[kind].start()));
    this.unsubscribe.push(
      this.events.onSubmitted((types, runAt) => this.onSubmitted(types, runAt)),
      this.events.onCancelRequested((taskId) => this.abortRunning(taskId, 'cancelled', 'Cancelled on request')),
    );
    await this.notifier.listen({
      onNewTasks: (via) => this.wakeAll(true, via),
      onCancel: (taskId) => this.abortRunning(taskId, 'cancelled', 'Cancelled on request'),
    });
    this.every(this.options.pollIntervalMs, () => this.wakeAll());
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.every(this.options.heartbeatIntervalMs, () => this.recover());
    await this.recover();
    await this.heartbeat();
    this.wakeAll();
    this.logger.log(
      `Dispatcher ${this.workerId} started: ${this.options.maxCpuWorkers} worker threads, ${this.options.maxIoWorkers} event-loop slots, ` +
        `types: ${this.registry.types().join(', ') || '(none)'}`,
    );
  }

  /**
   * Stops claiming, lets running tasks finish within the shutdown grace period,
   * hands the others back to the queue at once, writes every outcome and closes
   * the pool.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    if (this.wakeTimer) clearTimeout(this.wakeTimer.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    // A claim still out comes back to a stopping dispatcher, which hands its tasks back.
    await Promise.race([Promise.all(Object.values(this.claimStates).map((state) => state.loop)), sleep(5000)]);
    // Claimed ahead, never started: back to the queue at once.
    for (const kind of EXECUTOR_KINDS) {
      clearTimeout(this.claimStates[kind].holdTimer);
      this.handBack(kind, this.claimStates[kind].ahead.splice(0), 'the instance is shutting down');
    }
    // Tasks taken at submit whose insert is still out: once committed they are handed back (see startTaken).
    for (let waited = 0; waited < 5000 && Object.values(this.claimStates).some((s) => s.direct > 0); waited += 5) await sleep(5);
    await this.waitForRunning(this.options.shutdownGraceSeconds * 1000);
    if (this.running.size > 0) {
      this.logger.log(`Handing ${this.running.size} unfinished task(s) back to the queue`);
      for (const taskId of [...this.running.keys()]) this.abortRunning(taskId, 'shutdown', 'The instance is shutting down');
      await this.waitForRunning(this.options.abortGraceMs + 2000);
    }
    await this.drainWrites(10_000);
    clearInterval(this.heartbeatTimer);
    await Promise.all(Object.values(this.executors).map((executor) => executor.close()));
    this.state = 'stopped';
  }

  /** Live view of what this process runs, for the monitor. */
  snapshot(): { running: RunningTaskInfo[]; executors: ExecutorStats[]; unwrittenOutcomes: number; claimedAhead: number } {
    return {
      running: [...this.running.values()].map((r) => ({
        task_id: r.claimed.taskId,
        task_type: r.claimed.taskType,
        executor: r.kind,
        attempt: r.claimed.attempt,
        started_at: r.claimed.startedAt.toISOString(),
        progress: r.progress?.percent ?? null,
      })),
      executors: Object.values(this.executors).map((e) => e.stats()),
      unwrittenOutcomes: this.unwritten.size,
      // Leased to this instance (`running` in the database) and waiting here for a slot.
      claimedAhead: Object.values(this.claimStates).reduce((sum, state) => sum + state.ahead.length, 0),
    };
  }

  // ---------------------------------------------------------------- claiming

  private activeKinds(): TaskExecutorKind[] {
    return EXECUTOR_KINDS.filter((kind) => this.registry.types(kind).length > 0);
  }

  private onSubmitted(types: readonly string[], runAt: Date): void {
    const kinds = new Set(types.map((type) => this.registry.get(type)?.executor).filter((k): k is TaskExecutorKind => !!k));
    if (runAt.getTime() > Date.now()) {
      this.wakeAt(runAt);
      return;
    }
    for (const kind of kinds) this.wake(kind);
  }

  private wakeAll(now = false, via?: ClaimConnection): void {
    for (const kind of this.activeKinds()) this.wake(kind, now, via);
  }

  /**
   * Asks for a claim. The claim itself starts on the next turn of the event loop
   * (`setImmediate`), so that every wake-up of the current turn — a batch of fast
   * tasks finishing together, a burst of submits — is served by one claim that
   * fills all the free slots, instead of one round trip per freed slot.
   * `now`: another process's notification, one per burst at most (senders
   * rate-limit them): its claim goes out at once, not a turn later (~0.05 ms
   * of the cross-process latency), on the connection the notification came on
   * (`via`) when the store can use it.
   */
  private wake(kind: TaskExecutorKind, now = false, via?: ClaimConnection): void {
    const state = this.claimStates[kind];
    state.more = true;
    if (state.inFlight) {
      state.again = true;
      return;
    }
    if (now) {
      void this.claimLoop(kind, via);
      return;
    }
    if (state.scheduled) return;
    state.scheduled = true;
    setImmediate(() => {
      state.scheduled = false;
      void this.claimLoop(kind);
    });
  }

  /** Wakes the claim loops at `at` (one timer for the earliest pending time; the poll covers the rest). */
  private wakeAt(at: Date): void {
    const time = at.getTime();
    if (this.state !== 'running' || (this.wakeTimer && this.wakeTimer.at <= time)) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer.timer);
    const timer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAll();
    }, Math.max(0, time - Date.now()) + 1);
    timer.unref();
    this.wakeTimer = { at: time, timer };
  }

  /** Cluster-wide limit of running tasks of `type`, or null. */
  private concurrencyLimit(type: string): number | null {
    return this.options.typeConcurrency?.[type] ?? this.registry.get(type)?.concurrency ?? null;
  }

  /** Slots of the executor a task could start in now. */
  private freeSlots(kind: TaskExecutorKind): number {
    const active = this.claimStates[kind].active;
    const capacity = this.executors[kind].size;
    // Back-pressure: when the database falls behind on outcome writes, stop taking new work. Up to two
    // claims' worth of outcomes may wait (one batch being written, one filling; a claim takes up to
    // twice the executor while tasks run short) before the slots shrink.
    const backlog = Math.max(0, this.unwritten.size - 4 * (this.options.maxCpuWorkers + this.options.maxIoWorkers));
    return capacity - active - this.claimStates[kind].direct - backlog;
  }

  /**
   * How many tasks a claim asks for. While this executor's tasks run long, its
   * free slots not promised to tasks already claimed ahead: nothing waits here
   * that another instance could run. While they run short (moving average under
   * CLAIM_AHEAD_MAX_RUN_MS), up to three executors' worth more, in claims of up
   * to two executors' worth, like graphile-worker's local queue: the next claim
   * is already out while a batch runs — the database takes the next batch while
   * Node runs this one, instead of each waiting on the other — and each round
   * trip (and WAL flush) serves up to twice as many tasks. A small executor
   * whose tasks take a fraction of a millisecond claims CLAIM_AHEAD_MIN_BATCH at
   * a time and holds up to CLAIM_AHEAD_MIN_HELD, as long as they add up to no
   * more than CLAIM_AHEAD_MAX_WAIT_MS of its runs: with one slot, two tasks per
   * round trip left it waiting on the database most of the time (draining
   * no-op tasks at concurrency 1: ~3,500/s; with 16: 11,000–15,000/s, either
   * database). A task claimed ahead waits a few short runs — behind runs far
   * past the average, up to `claimAheadHoldMs` before it is handed back (see
   * `watchLine`); it is leased, renewed, cancellable and handed back at
   * shutdown like a running one.
   */
  private claimRoom(kind: TaskExecutorKind): number {
    const state = this.claimStates[kind];
    const size = this.executors[kind].size;
    if (state.stalled || state.runMsAverage > CLAIM_AHEAD_MAX_RUN_MS) return Math.min(size, this.freeSlots(kind) - state.ahead.length);
    // How many tasks the executor runs in CLAIM_AHEAD_MAX_WAIT_MS at its average run time.
    const inWait = Math.floor((size * CLAIM_AHEAD_MAX_WAIT_MS) / Math.max(state.runMsAverage, 0.001));
    const batch = Math.max(2 * size, Math.min(CLAIM_AHEAD_MIN_BATCH, Math.floor((2 * inWait) / 3)));
    const ahead = Math.max(3 * size, Math.min(CLAIM_AHEAD_MIN_HELD, inWait));
    return Math.min(batch, this.freeSlots(kind) + ahead - state.ahead.length);
  }

  /** Starts tasks claimed ahead while slots are free. */
  private startAhead(kind: TaskExecutorKind): void {
    const state = this.claimStates[kind];
    if (state.ahead.length === 0 || this.state !== 'running') return;
    let free = this.freeSlots(kind);
    let started = 0;
    while (free-- > 0 && started < state.ahead.length) this.startTask(state.ahead[started++], kind);
    state.ahead.splice(0, started);
    if (started > 0) state.lineMovedAtMs = performance.now();
  }

  /**
   * Keeps a timer on the line of tasks claimed ahead while it is not empty. They
   * were claimed to wait a few short runs; when no slot has taken one for
   * `claimAheadHoldMs` (1 s) — runs far past the average hold every slot — the
   * whole line goes back to the queue (`released`, as at shutdown) and other
   * instances are told, and this executor claims only free slots until one of
   * its runs ends.
   */
  private watchLine(kind: TaskExecutorKind): void {
    const state = this.claimStates[kind];
    if (state.holdTimer || state.ahead.length === 0 || this.state !== 'running') return;
    const holdMs = Math.min(Math.max(this.options.claimAheadHoldMs ?? CLAIM_AHEAD_HOLD_MS, 10), MAX_TIMER_MS);
    const wait = holdMs - (performance.now() - state.lineMovedAtMs);
    state.holdTimer = setTimeout(() => {
      state.holdTimer = undefined;
      if (state.ahead.length === 0 || this.state !== 'running') return;
      const stoodMs = performance.now() - state.lineMovedAtMs;
      if (stoodMs >= holdMs && state.active < this.executors[kind].size) {
        // Slots are free, held back by outcome writes the database is behind on: no other instance
        // would do better with these now. Start what fits, and wait again.
        state.lineMovedAtMs = performance.now();
        this.startAhead(kind);
      } else if (stoodMs >= holdMs) {
        state.stalled = true;
        this.handBack(kind, state.ahead.splice(0), `no ${kind} slot freed for ${Math.round(stoodMs)} ms`);
      }
      this.watchLine(kind);
    }, Math.max(0, wait));
    state.holdTimer.unref();
  }

  /** Hands tasks claimed ahead back to the queue, never started (`released`, as at shutdown). */
  private handBack(kind: TaskExecutorKind, tasks: readonly ClaimedTask[], why: string): void {
    if (tasks.length === 0) return;
    this.logger.log(`Handing ${tasks.length} ${kind} task(s) claimed ahead back to the queue: ${why}`);
    for (const task of tasks) this.queueEnd(this.endFor(task, 'pending', 'released', null));
    // Due again: once a slot frees, claim them (or what came before them) without waiting for the poll.
    this.claimStates[kind].more = true;
  }

  /**
   * Claims until the executor is full or nothing more is due. Tasks claimed
   * ahead start once the next claim is sent, so that they run while it is out;
   * their outcomes are written meanwhile on another connection (`flushWrites`).
   */
  private claimLoop(kind: TaskExecutorKind, via?: ClaimConnection): Promise<void> {
    const state = this.claimStates[kind];
    if (state.inFlight || this.state !== 'running') return Promise.resolve();
    state.loop = this.claimUntilFull(kind, via);
    return state.loop;
  }

  private async claimUntilFull(kind: TaskExecutorKind, via?: ClaimConnection): Promise<void> {
    const state = this.claimStates[kind];
    state.inFlight = true;
    try {
      for (let first = true; ; first = false) {
        state.again = false;
        const room = this.claimRoom(kind);
        const types = this.registry.types(kind);
        if (room <= 0 || types.length === 0) break;
        const now = new Date();
        const claiming = this.store.claim({
          types,
          perTypeLimits: types.map(() => room),
          globalLimits: types.map((type) => this.concurrencyLimit(type)),
          limit: room,
          now,
          leaseUntil: new Date(now.getTime() + this.options.leaseMs),
          workerId: this.workerId,
          agingMs: this.options.priorityAgingMs,
          via: first ? via : undefined,
        });
        // On the next tick: a pooled query is sent on a tick of its own, and it must be out first.
        process.nextTick(() => this.startAhead(kind));
        const { tasks: claimed, contended } = await claiming;
        this.claimFailures = 0;
        if (this.state !== 'running') {
          this.handBack(kind, claimed, 'claimed while the instance was shutting down');
          break;
        }
        if (state.ahead.length === 0) state.lineMovedAtMs = performance.now();
        state.ahead.push(...sortForStart(claimed, now, this.options.priorityAgingMs));
        // Sized before the line stalled: what the free slots cannot take goes back at once.
        if (state.stalled) this.handBack(kind, state.ahead.splice(Math.max(0, this.freeSlots(kind))), 'a run still holds every slot');
        // Short because other instances were taking the same due tasks at that moment: more is
        // due, so claim again at once (they have moved on by then), a few times in a row at most.
        const full = claimed.length >= room;
        state.contended = contended && !full ? state.contended + 1 : 0;
        state.more = full || !!contended;
        const again = full || (state.contended > 0 && state.contended <= MAX_CONTENDED_RECLAIMS);
        if (!again && !state.again) break;
      }
    } catch (error) {
      this.claimFailures++;
      const delay = Math.min(100 * 2 ** this.claimFailures, 5000);
      this.logger.warn(`Claim failed (${(error as Error).message}); trying again in ${delay} ms`);
      this.wakeAt(new Date(Date.now() + delay));
    } finally {
      state.inFlight = false;
    }
    this.startAhead(kind);
    this.watchLine(kind);
    if (state.again && this.state === 'running') this.wake(kind);
  }

  // ---------------------------------------------------------------- taken at submit

  /**
   * Takes a task of this process at submit, before its row is written: when a
   * slot is free and the last claim found nothing more due, the row is written
   * already `running` and leased to this instance, and the task starts as soon
   * as it is committed — no claim round trip, no notification. Returns null
   * (the task is queued as usual) whenever that could change the order of
   * work: something else may be due, a claim is under way, the task is delayed,
   * its type has a cluster-wide limit, or the dispatcher is not running.
   */
  takeAtSubmit(taskType: string, runAt: Date, now: Date): DirectClaim | null {
    if (this.state !== 'running' || runAt.getTime() > now.getTime()) return null;
    const handler = this.registry.get(taskType);
    if (!handler || this.concurrencyLimit(taskType) !== null) return null;
    const kind = handler.executor;
    const state = this.claimStates[kind];
    if (state.more || state.inFlight || state.scheduled || state.ahead.length > 0 || this.freeSlots(kind) <= 0) return null;
    state.direct++;
    return { workerId: this.workerId, leaseUntil: new Date(now.getTime() + this.options.leaseMs), kind };
  }

  /** The row of a task taken at submit is committed: run it (or hand it back if the dispatcher is stopping). */
  startTaken(claim: DirectClaim, task: ClaimedTask): void {
    this.claimStates[claim.kind].direct--;
    if (this.state !== 'running') {
      this.handBack(claim.kind, [task], 'taken at submit while the instance was shutting down');
      return;
    }
    this.startTask(task, claim.kind);
  }

  /** The row of a task taken at submit was not written: free its slot. */
  releaseTaken(claim: DirectClaim): void {
    this.claimStates[claim.kind].direct--;
  }

  // ---------------------------------------------------------------- running

  private startTask(claimed: ClaimedTask, kind: TaskExecutorKind): void {
    const handler = this.registry.get(claimed.taskType)!;
    const controller = new AbortController();
    const task: RunningTask = { claimed, handler, kind, controller, startedAtMs: performance.now() };
    this.running.set(claimed.taskId, task);
    this.claimStates[kind].active++;
    if (this.concurrencyLimit(claimed.taskType) !== null) this.limitedTasks.add(claimed.taskId);
    const context: TaskContext = {
      taskId: claimed.taskId,
      taskType: claimed.taskType,
      attempt: claimed.attempt,
      signal: controller.signal,
      reportProgress: (percent, message) => this.reportProgress(task, percent, message),
    };
    // The handler starts here (its synchronous part runs now); its end is handled on a later
    // microtask at the earliest, by which time the timeout below is set.
    taskLogContext.run({ task_id: claimed.taskId, task_type: claimed.taskType, attempt: claimed.attempt }, () => void this.runTask(task, context));
    // Set once the handler is under way, to keep their cost (~15 µs cold) off the path from claim to
    // start; the timeout still counts from the start.
    const timeoutMs = claimed.timeoutSeconds * 1000 - (performance.now() - task.startedAtMs);
    task.timeout = setTimeout(() => controller.abort(new TaskAbortReason('timeout', `Task timed out after ${claimed.timeoutSeconds} s`)), Math.max(0, timeoutMs));
    this.events.lifecycle({ kind: 'started', taskType: claimed.taskType, waitMs: Math.max(0, claimed.startedAt.getTime() - claimed.runAt.getTime()) });
  }

  private async runTask(task: RunningTask, context: TaskContext): Promise<void> {
    let result: ExecutionResult;
    try {
      result = await this.execute(task, context);
    } catch (error) {
      result = context.signal.aborted ? { kind: 'aborted' } : { kind: 'error', error: toErrorInfo(error, context.attempt) };
    }
    clearTimeout(task.timeout);
    if (task.progress?.timer) clearTimeout(task.progress.timer);
    this.running.delete(task.claimed.taskId);
    const state = this.claimStates[task.kind];
    state.active--;
    state.stalled = false;
    const runMs = performance.now() - task.startedAtMs;
    state.runMsAverage = state.runMsAverage === Infinity ? runMs : state.runMsAverage + RUN_MS_WEIGHT * (runMs - state.runMsAverage);
    this.record(task, result);
    this.startAhead(task.kind);
    if (this.running.size === 0) this.settled?.();
    if (state.more && this.state === 'running') this.wake(task.kind);
  }

  private async execute(task: RunningTask, context: TaskContext): Promise<ExecutionResult> {
    const { handler } = task;
    const executor = this.executors[task.kind];
    const input = task.claimed.input;
    if (handler.executor === 'event-loop') return executor.execute(handler, input, context);
    const workerInput = handler.prepare ? await raceAbort(handler.prepare(input as never, context), context.signal) : input;
    if (context.signal.aborted) return { kind: 'aborted' };
    const result = await executor.execute(handler, workerInput, context);
    if (result.kind !== 'ok' || !handler.finish) return result;
    const finished = await raceAbort(handler.finish(JSON.parse(result.resultJson) as never, input as never, context), context.signal);
    return context.signal.aborted ? { kind: 'aborted' } : { kind: 'ok', resultJson: JSON.stringify(finished ?? null) };
  }

  /** Decides what the attempt's end means for the task, and queues the write. */
  private record(task: RunningTask, result: ExecutionResult): void {
    const { claimed } = task;
    const signal = task.controller.signal;
    const reason = signal.aborted ? (signal.reason as TaskAbortReason) : undefined;
    const now = new Date();
    if (!reason && result.kind === 'ok') {
      this.queueCompletion({
        taskId: claimed.taskId,
        attempt: claimed.attempt,
        resultJson: result.resultJson,
        endedAt: now,
        progressMessage: task.progress?.message ?? null,
        taskType: claimed.taskType,
        startedAt: claimed.startedAt,
      });
      return;
    }
    if (reason?.kind === 'lease-lost') {
      this.logger.warn(`Task ${claimed.taskId} (attempt ${claimed.attempt}) was taken away from this instance; its outcome is dropped`);
      return;
    }
    if (reason?.kind === 'shutdown') {
      this.queueEnd(this.endFor(claimed, 'pending', 'released', null, now));
      return;
    }
    if (reason?.kind === 'cancelled') {
      this.queueEnd(this.endFor(claimed, 'cancelled', 'cancelled', null, now));
      return;
    }
    const error: TaskErrorInfo =
      reason?.kind === 'timeout'
        ? { name: 'TaskTimeoutError', message: reason.message, retryable: true, attempt: claimed.attempt, occurred_at: now.toISOString() }
        : result.kind === 'error'
          ? { ...result.error, attempt: claimed.attempt, occurred_at: result.error.occurred_at ?? now.toISOString() }
          : { name: 'TaskAbortedError', message: 'The task was aborted', retryable: false, attempt: claimed.attempt, occurred_at: now.toISOString() };
    const outcome: TaskAttemptOutcome = reason?.kind === 'timeout' ? 'timeout' : 'failed';
    if (error.retryable && claimed.retryCount < claimed.maxRetries) {
      const retryAt = new Date(now.getTime() + backoffDelayMs(claimed.retryCount, { baseMs: this.options.retryBaseMs, maxMs: this.options.retryMaxMs }));
      this.queueEnd({ ...this.endFor(claimed, 'retrying', outcome, error, now), retryAt });
      this.wakeAt(retryAt);
      return;
    }
    this.queueEnd(this.endFor(claimed, outcome === 'timeout' ? 'timeout' : 'failed', outcome, error, now));
  }

  private endFor(
    claimed: ClaimedTask,
    status: AttemptEnd['status'],
    outcome: TaskAttemptOutcome,
    errorInfo: TaskErrorInfo | null,
    endedAt = new Date(),
  ): AttemptEnd {
    return {
      taskId: claimed.taskId,
      attempt: claimed.attempt,
      status,
      outcome,
      errorInfo,
      endedAt,
      taskType: claimed.taskType,
      startedAt: claimed.startedAt,
    };
  }

  private abortRunning(taskId: string, kind: TaskAbortReason['kind'], message: string): void {
    const task = this.running.get(taskId);
    if (task) {
      if (!task.controller.signal.aborted) task.controller.abort(new TaskAbortReason(kind, message));
      return;
    }
    // Claimed ahead, not started: it ends without running (a lost lease: it is simply dropped).
    const ahead = this.takeAhead(taskId);
    if (ahead && kind === 'cancelled') this.queueEnd(this.endFor(ahead, 'cancelled', 'cancelled', null));
    else if (ahead && kind === 'lease-lost') this.logger.warn(`Task ${taskId} (claimed ahead) was taken away from this instance before it started`);
  }

  /** Whether this attempt of the task waits claimed ahead. */
  private waitsInLine(taskId: string, attempt: number): boolean {
    return Object.values(this.claimStates).some((state) => state.ahead.some((task) => task.taskId === taskId && task.attempt === attempt));
  }

  /** Removes a task claimed ahead from its line, if it is there. */
  private takeAhead(taskId: string): ClaimedTask | undefined {
    for (const state of Object.values(this.claimStates)) {
      const index = state.ahead.findIndex((task) => task.taskId === taskId);
      if (index >= 0) return state.ahead.splice(index, 1)[0];
    }
    return undefined;
  }

  private reportProgress(task: RunningTask, percent: number, message?: string): void {
    if (!Number.isFinite(percent)) return;
    const clamped = Math.max(0, Math.min(100, Math.round(percent)));
    const progress = (task.progress ??= { percent: clamped, message: null, writing: false, dirty: false });
    progress.percent = clamped;
    progress.message = message === undefined ? progress.message : String(message).slice(0, 1000);
    progress.dirty = true;
    if (!progress.timer && !progress.writing) this.flushProgress(task);
  }

  /** Writes the latest progress now, then at most every PROGRESS_MIN_INTERVAL_MS. */
  private flushProgress(task: RunningTask): void {
    const progress = task.progress!;
    if (!progress.dirty || !this.running.has(task.claimed.taskId)) return;
    progress.dirty = false;
    progress.writing = true;
    this.store
      .saveProgress(task.claimed, this.workerId, progress.percent, progress.message, new Date())
      .catch((error: Error) => this.logger.warn(`Progress of task ${task.claimed.taskId} not saved: ${error.message}`))
      .finally(() => {
        progress.writing = false;
        progress.timer = setTimeout(() => {
          progress.timer = undefined;
          this.flushProgress(task);
        }, PROGRESS_MIN_INTERVAL_MS);
        progress.timer.unref();
      });
  }

  // ---------------------------------------------------------------- writing outcomes

  private queueCompletion(completion: Completion): void {
    this.completions.push(completion);
    this.unwritten.set(completion.taskId, completion.attempt);
    this.scheduleFlush();
  }

  /**
   * Writes completions on the next turn of the event loop, with every other
   * completion of this turn (a batch of short tasks finishing together). The
   * write runs while the next claim is out, on another connection.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flushWrites();
    });
  }

  private queueEnd(end: AttemptEnd): void {
    this.ends.push(end);
    this.unwritten.set(end.taskId, end.attempt);
    void this.flushWrites();
  }

  /**
   * Writes queued outcomes, one statement per batch, one batch at a time: what
   * finishes while a write is in flight goes into the next batch. A failed write
   * (database away) is kept and tried again with backoff — a finished task's
   * outcome is never dropped while this process lives; if it dies, the lease
   * expires and the task is retried.
   */
  private async flushWrites(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.completions.length > 0 || this.ends.length > 0) {
        const isCompletion = this.completions.length > 0;
        const batch = isCompletion ? this.completions.splice(0, WRITE_BATCH) : this.ends.splice(0, WRITE_BATCH);
        let landed: ReadonlySet<string> | ReadonlyMap<string, TaskStatus>;
        try {
          landed = isCompletion
            ? await this.store.complete(batch as Completion[], this.workerId)
            : await this.store.endAttempts(batch as AttemptEnd[], this.workerId);
          this.writeFailures = 0;
        } catch (error) {
          (isCompletion ? this.completions : this.ends).unshift(...(batch as never[]));
          this.writeFailures++;
          const delay = Math.min(100 * 2 ** this.writeFailures, 5000);
          this.logger.warn(`Writing ${batch.length} task outcome(s) failed (${(error as Error).message}); retrying in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        this.written(batch, landed, isCompletion);
      }
    } finally {
      this.writing = false;
    }
    for (const kind of this.activeKinds()) if (this.claimStates[kind].more && this.state === 'running') this.wake(kind);
  }

  /**
   * Book-keeping once a batch of outcomes was written (`landed`: the ones the fence let through;
   * for attempt ends, with the status written).
   */
  private written(batch: ReadonlyArray<Completion | AttemptEnd>, landed: ReadonlySet<string> | ReadonlyMap<string, TaskStatus>, isCompletion: boolean): void {
    let limitedTypeFreed = false;
    let handedBack = false;
    for (const item of batch) {
      if (this.unwritten.get(item.taskId) === item.attempt) this.unwritten.delete(item.taskId);
      if (this.limitedTasks.delete(item.taskId)) limitedTypeFreed = true;
      if (!landed.has(item.taskId)) {
        this.logger.warn(`Outcome of task ${item.taskId} attempt ${item.attempt} refused: this instance no longer holds it`);
        continue;
      }
      // What the row became: a requeue (handed back, retry) turns into `cancelled` if a cancel was requested meanwhile.
      const status = isCompletion ? 'completed' : ((landed as ReadonlyMap<string, TaskStatus>).get(item.taskId) ?? (item as AttemptEnd).status);
      if (status === 'pending') {
        // Handed back to the queue (claimed ahead, or at shutdown): the task goes on elsewhere, nothing finished.
        handedBack = true;
        continue;
      }
      this.events.lifecycle({ kind: 'finished', taskType: item.taskType, status: status as FinishedStatus, runMs: item.endedAt.getTime() - item.startedAt.getTime() });
    }
    // Fewer outcomes wait now: tasks claimed ahead that the back-pressure held may start. Nothing
    // else would start them once the queue is claimed to its end and nothing runs (until the poll).
    for (const kind of EXECUTOR_KINDS) this.startAhead(kind);
    // Tasks handed back (claimed ahead behind a stalled line, or at shutdown) are due for other instances now.
    if (handedBack) this.notifier.notifyNewTasks();
    if (limitedTypeFreed) {
      // A task of a type with a cluster-wide limit left `running`: its slot is free for every instance.
      this.notifier.notifyNewTasks();
      for (const kind of this.activeKinds()) this.claimStates[kind].more = true;
    }
  }

  private async drainWrites(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.writing || this.completions.length > 0 || this.ends.length > 0) && Date.now() < deadline) {
      if (!this.writing) void this.flushWrites();
      await sleep(10);
    }
    if (this.completions.length + this.ends.length > 0) {
      this.logger.error(`${this.completions.length + this.ends.length} task outcome(s) could not be written before shutdown; their leases will expire and the tasks will be retried`);
    }
  }

  // ---------------------------------------------------------------- leases and recovery

  private held(): HeldAttempt[] {
    const held: HeldAttempt[] = [...this.running.values()].map((r) => ({ taskId: r.claimed.taskId, attempt: r.claimed.attempt }));
    for (const state of Object.values(this.claimStates)) for (const task of state.ahead) held.push({ taskId: task.taskId, attempt: task.attempt });
    for (const [taskId, attempt] of this.unwritten) if (!this.running.has(taskId)) held.push({ taskId, attempt });
    return held;
  }

  /** Renews the leases of everything this process holds; picks up cancel requests and lost leases on the way. */
  private async heartbeat(): Promise<void> {
    const held = this.held();
    const now = new Date();
    if (held.length === 0) {
      this.lastHeartbeatAt = now;
      return;
    }
    try {
      const renewal = await this.store.renewLeases(held, this.workerId, new Date(now.getTime() + this.options.leaseMs));
      this.lastHeartbeatAt = now;
      for (const { taskId, attempt } of held) {
        const task = this.running.get(taskId);
        // Not running: its outcome waits to be written (nothing to abort), or it waits claimed ahead — in
        // this attempt? (Handed back meanwhile and claimed again: the answer is about the old attempt.)
        if (task ? task.claimed.attempt !== attempt : this.unwritten.has(taskId) || !this.waitsInLine(taskId, attempt)) continue;
        if (!renewal.renewed.has(taskId)) this.abortRunning(taskId, 'lease-lost', 'This instance lost the lease of the task');
        else if (renewal.cancelRequested.has(taskId)) this.abortRunning(taskId, 'cancelled', 'Cancelled on request');
      }
    } catch (error) {
      this.logger.warn(`Lease renewal failed: ${(error as Error).message}`);
    }
  }

  private async recover(): Promise<void> {
    try {
      for (;;) {
        const recovered = await this.store.recoverExpired(new Date(), RECOVERY_BATCH);
        if (recovered.length === 0) break;
        for (const task of recovered) this.events.lifecycle({ kind: 'recovered', taskType: task.taskType, status: task.status });
        this.logger.warn(
          `Recovered ${recovered.length} task(s) whose worker stopped renewing its lease: ` +
            recovered.slice(0, 5).map((r) => `${r.taskId} → ${r.status}`).join(', ') + (recovered.length > 5 ? ', …' : ''),
        );
        this.wakeAll();
        if (recovered.length < RECOVERY_BATCH) break;
      }
    } catch (error) {
      this.logger.warn(`Lease recovery failed: ${(error as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- helpers

  private every(intervalMs: number, fn: () => unknown): void {
    const timer = setInterval(() => void fn(), intervalMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async waitForRunning(timeoutMs: number): Promise<void> {
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.settled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.settled = undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `promise`, or with undefined as soon as `signal` fires (the promise is left to settle on its own). */
async function raceAbort<T>(promise: Promise<T> | T, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const work = Promise.resolve(promise);
  // If the signal wins, the handler's promise may still reject later: keep that from going unhandled.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
