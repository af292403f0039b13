import { waitFor } from '../../../test/support/wait';
import { LocalTaskNotifier } from './storage/task-notifier.interface';
import type { AttemptEnd, ClaimRequest, ClaimResult, ClaimedTask, Completion, HeldAttempt, TaskStore } from './storage/task-store.interface';
import { TaskDispatcher } from './task-dispatcher.service';
import { TaskEvents, type TaskLifecycleEvent } from './task-events';
import { TaskHandlerRegistry } from './task-handler.registry';
import type { TasksModuleOptions } from './interfaces/tasks-module-options.interface';
import type { TaskStatus } from './task.constants';

/** A queue held in memory whose outcome writes wait until the test lets them through. */
class HeldWritesStore {
  readonly dialect = 'sqlite' as const;
  private next = 0;
  private writesHeld = true;
  private readonly heldWrites: Array<() => void> = [];
  completed = 0;
  claimsThatFoundNothing = 0;

  constructor(private readonly total: number) {}

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const count = Math.min(request.limit, this.total - this.next);
    if (count === 0) this.claimsThatFoundNothing++;
    const tasks: ClaimedTask[] = Array.from({ length: count }, () => {
      const i = this.next++;
      return { taskId: `t${i}`, taskType: 'unit.noop', priority: 5, attempt: 1, retryCount: 0, maxRetries: 0, timeoutSeconds: 60, runAt: request.now, startedAt: request.now, input: { i } };
    });
    return { tasks };
  }

  async complete(completions: readonly Completion[]): Promise<Set<string>> {
    if (this.writesHeld) await new Promise<void>((resolve) => this.heldWrites.push(resolve));
    this.completed += completions.length;
    return new Set(completions.map((c) => c.taskId));
  }

  releaseWrites(): void {
    this.writesHeld = false;
    for (const resolve of this.heldWrites.splice(0)) resolve();
  }

  async endAttempts(_ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
    return new Map();
  }
  async renewLeases(_held: readonly HeldAttempt[]): Promise<{ renewed: Set<string>; cancelRequested: Set<string> }> {
    return { renewed: new Set(), cancelRequested: new Set() };
  }
  async recoverExpired(): Promise<[]> {
    return [];
  }
  async oldestWaiting(): Promise<null> {
    return null;
  }
}

/** An endless queue in memory whose writes land at once; it records how many tasks each claim asked for. */
class RecordingStore extends HeldWritesStore {
  readonly limits: number[] = [];

  constructor() {
    super(Number.MAX_SAFE_INTEGER);
    this.releaseWrites();
  }

  override async claim(request: ClaimRequest): Promise<ClaimResult> {
    this.limits.push(request.limit);
    return super.claim(request);
  }
}

/** Resolves once `value()` has not changed for `quietMs`: the dispatcher has done all it can for now. */
const settled = async (value: () => string, quietMs = 60): Promise<void> => {
  let last = value();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = value();
    if (now === last) return;
    last = now;
  }
};

describe('TaskDispatcher (unit, store in memory)', () => {
  // One event-loop slot, so that a few unwritten outcomes hold new starts back (back-pressure);
  // the poll is a minute away, so only the outcome writes landing can start what waits.
  const options = {
    maxCpuWorkers: 1, maxIoWorkers: 1, pollIntervalMs: 60_000, heartbeatIntervalMs: 60_000, leaseMs: 120_000,
    abortGraceMs: 100, workerEnabled: false, shutdownGraceSeconds: 1, priorityAgingMs: 0, retryBaseMs: 10, retryMaxMs: 100,
    defaultTimeoutSeconds: 60, defaultMaxRetries: 0,
    // Tasks claimed ahead stay in their line however slow the machine (the hand-back has a test of its own).
    claimAheadHoldMs: 60_000,
  } as TasksModuleOptions;

  it('starts the tasks it claimed ahead as soon as outcome writes land, whatever the size of the queue', async () => {
    // Queues of several sizes: for some, the queue is claimed to its end (the last claim finds it
    // empty) while the tasks claimed ahead wait behind the back-pressure of the held writes.
    let sawEmptyClaimWhileHeld = false;
    for (let total = 4; total <= 20; total++) {
      const store = new HeldWritesStore(total);
      const registry = new TaskHandlerRegistry();
      let ran = 0;
      registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle: async () => void ran++ }, 'NoopHandler');
      const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), options, 'unit-worker', registry, new TaskEvents());
      await dispatcher.start();
      try {
        await settled(() => `${ran}/${store.claimsThatFoundNothing}`);
        if (store.claimsThatFoundNothing > 0 && ran < total) sawEmptyClaimWhileHeld = true;
        const ranWhileHeld = ran;
        store.releaseWrites();
        await waitFor(() => store.completed === total, `all ${total} outcomes written (ran ${ran}, ${ranWhileHeld} while the writes were held)`, 2000, 5);
        expect(ran).toBe(total);
      } finally {
        store.releaseWrites();
        await dispatcher.stop();
      }
    }
    // The case that matters happened at least once (else the sizes above no longer reach it).
    expect(sawEmptyClaimWhileHeld).toBe(true);
  });

  it('waits at shutdown for a claim still out, and hands its tasks back to the queue', async () => {
    // A store whose first claim is answered only when the test says so, and which records the attempts handed back.
    class SlowClaimStore extends HeldWritesStore {
      answer!: () => void;
      claimOut = false;
      readonly handedBack: string[] = [];
      constructor() {
        super(8);
        this.releaseWrites();
      }
      override async claim(request: ClaimRequest): Promise<ClaimResult> {
        this.claimOut = true;
        await new Promise<void>((resolve) => (this.answer = resolve));
        return super.claim(request);
      }
      override async endAttempts(ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
        this.handedBack.push(...ends.filter((end) => end.outcome === 'released').map((end) => end.taskId));
        return new Map(ends.map((end) => [end.taskId, end.status]));
      }
    }
    const store = new SlowClaimStore();
    const registry = new TaskHandlerRegistry();
    registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle: async () => undefined }, 'NoopHandler');
    const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), options, 'unit-worker', registry, new TaskEvents());
    await dispatcher.start();
    await waitFor(() => store.claimOut, 'the claim to go out');
    let stopped = false;
    const stopping = dispatcher.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    store.answer();
    await stopping;
    // The claimed task never ran and was written back as waiting before stop() returned.
    expect(store.handedBack).toEqual(['t0']);
  });

  it('hands the tasks claimed ahead back when a long run holds the only slot, and claims no more ahead until it ends', async () => {
    /** An endless queue whose writes land at once; it records the claims' limits and the attempts handed back. */
    class HandBackStore extends RecordingStore {
      readonly handedBack: string[] = [];
      override async endAttempts(ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
        this.handedBack.push(...ends.filter((end) => end.outcome === 'released').map((end) => end.taskId));
        return new Map(ends.map((end) => [end.taskId, end.status]));
      }
    }
    const store = new HandBackStore();
    const registry = new TaskHandlerRegistry();
    const ran: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // No-op tasks, except the 40th, which holds the slot until the test opens the gate.
    const handle = async (input: unknown) => {
      const { i } = input as { i: number };
      ran.push(`t${i}`);
      if (i === 40) await gate;
    };
    registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle }, 'NoopHandler');
    const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), { ...options, claimAheadHoldMs: 1000 }, 'unit-worker', registry, new TaskEvents());
    await dispatcher.start();
    try {
      await waitFor(() => ran.includes('t40'), 'the long run to start');
      // Claimed ahead of the slot, behind the long run (once a claim still out, if any, has come back).
      await settled(() => `${dispatcher.snapshot().claimedAhead}/${store.limits.length}`, 30);
      const waiting = dispatcher.snapshot().claimedAhead;
      expect(waiting).toBeGreaterThan(0);
      const claimsBefore = store.limits.length;
      await waitFor(() => store.handedBack.length > 0, 'the line to be handed back', 5000, 5);
      await settled(() => `${store.handedBack.length}/${store.limits.length}`, 100);
      expect(store.handedBack).toHaveLength(waiting);
      expect(store.handedBack.some((id) => ran.includes(id))).toBe(false);
      expect(dispatcher.snapshot().claimedAhead).toBe(0);
      // Stalled: nothing more is claimed while the slot is held, although more is due.
      expect(store.limits.length).toBe(claimsBefore);
      release();
      await waitFor(() => ran.length >= 80, 'runs to go on once the long one ended', 2000, 5);
      expect(ran.filter((id) => store.handedBack.includes(id))).toEqual([]);
    } finally {
      release();
      await dispatcher.stop();
    }
  });

  it('keeps the line when back-pressure holds it, not a run: no slot is busy, the outcome writes are behind', async () => {
    /** Writes held until the test lets them through; records the attempts ended. */
    class EndsStore extends HeldWritesStore {
      readonly ends: AttemptEnd[] = [];
      override async endAttempts(ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
        this.ends.push(...ends);
        return new Map(ends.map((end) => [end.taskId, end.status]));
      }
    }
    const store = new EndsStore(40);
    const registry = new TaskHandlerRegistry();
    let ran = 0;
    registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle: async () => void ran++ }, 'NoopHandler');
    const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), { ...options, claimAheadHoldMs: 100 }, 'unit-worker', registry, new TaskEvents());
    await dispatcher.start();
    try {
      await settled(() => `${ran}/${dispatcher.snapshot().claimedAhead}`);
      const waiting = dispatcher.snapshot().claimedAhead;
      expect(waiting).toBeGreaterThan(0);
      expect(dispatcher.snapshot().running).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(store.ends).toEqual([]);
      expect(dispatcher.snapshot().claimedAhead).toBe(waiting);
      store.releaseWrites();
      await waitFor(() => store.completed === 40, 'every task to run and be written', 2000, 5);
      expect(store.ends).toEqual([]);
    } finally {
      store.releaseWrites();
      await dispatcher.stop();
    }
  });

  it('reports what a task handed back became: no event while it waits in the queue again, cancelled where a cancel overrode the hand-back', async () => {
    /** Its outcome writes wait for the test; the store reports the first attempt end of a batch cancelled (a cancel had reached that row). */
    class CancellingStore extends HeldWritesStore {
      override async endAttempts(ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
        return new Map(ends.map((end, i): [string, TaskStatus] => [end.taskId, i === 0 ? 'cancelled' : end.status]));
      }
    }
    const store = new CancellingStore(40);
    const registry = new TaskHandlerRegistry();
    registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle: async () => undefined }, 'NoopHandler');
    const events = new TaskEvents();
    const seen: TaskLifecycleEvent[] = [];
    events.onLifecycle((event) => seen.push(event));
    const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), options, 'unit-worker', registry, events);
    await dispatcher.start();
    await settled(() => String(dispatcher.snapshot().claimedAhead));
    // Claimed ahead, held by the back-pressure of the unwritten outcomes; shutdown hands them back.
    expect(dispatcher.snapshot().claimedAhead).toBeGreaterThan(1);
    const stopping = dispatcher.stop();
    store.releaseWrites();
    await stopping;
    const finished = seen.flatMap((event) => (event.kind === 'finished' ? [event.status] : []));
    expect(finished.filter((status) => status === 'cancelled')).toHaveLength(1);
    expect(finished.filter((status) => status !== 'completed' && status !== 'cancelled')).toEqual([]);
  });

  it('keeps the next attempt of a task claimed again when a lease answer about its handed-back attempt comes late', async () => {
    /**
     * A queue in memory: tasks handed back come first again, in their next attempt (as the claim
     * counts attempts), behind `before` when set; the first lease renewal after `gateRenewal` waits
     * for `answerRenewal()` and then renews nothing, as PostgreSQL would for attempts no longer held.
     */
    class ScriptedStore extends RecordingStore {
      readonly due: ClaimedTask[] = [];
      /** What the renewal answered late asked about. */
      lateRenewal: string[] = [];
      gateRenewal = false;
      answerRenewal?: () => void;
      before: ClaimedTask[] = [];
      claimedAgain?: () => void;
      override async claim(request: ClaimRequest): Promise<ClaimResult> {
        const tasks = this.due.splice(0, request.limit).map((task) => ({ ...task, startedAt: request.now }));
        if (tasks.some((task) => task.attempt > 1)) setImmediate(() => this.claimedAgain?.());
        return { tasks };
      }
      override async endAttempts(ends: readonly AttemptEnd[]): Promise<Map<string, TaskStatus>> {
        const back = ends.filter((end) => end.outcome === 'released').map((end) => task(end.taskId, end.attempt + 1));
        this.due.unshift(...this.before.splice(0), ...back);
        return new Map(ends.map((end) => [end.taskId, end.status]));
      }
      override async renewLeases(held: readonly HeldAttempt[]): Promise<{ renewed: Set<string>; cancelRequested: Set<string> }> {
        if (this.gateRenewal) {
          this.gateRenewal = false;
          this.lateRenewal = held.map((h) => `${h.taskId}:${h.attempt}`);
          await new Promise<void>((resolve) => (this.answerRenewal = resolve));
          return { renewed: new Set(), cancelRequested: new Set() };
        }
        return { renewed: new Set(held.map((h) => h.taskId)), cancelRequested: new Set() };
      }
    }
    const task = (taskId: string, attempt = 1): ClaimedTask => ({
      taskId, taskType: 'unit.noop', priority: 5, attempt, retryCount: 0, maxRetries: 0, timeoutSeconds: 60, runAt: new Date(), startedAt: new Date(), input: { id: taskId },
    });
    const store = new ScriptedStore();
    // Short runs (claims go ahead), then A holds the only slot while X and Y wait claimed ahead.
    store.due.push(...Array.from({ length: 30 }, (_, i) => task(`q${i}`)), task('A'), task('X'), task('Y'));
    // Handed back, X and Y come back behind B, which holds the slot while X waits claimed ahead again.
    store.before = [task('B')];
    const gates = new Map<string, () => void>();
    const ran: string[] = [];
    const registry = new TaskHandlerRegistry();
    const handle = async (input: unknown) => {
      const { id } = input as { id: string };
      ran.push(id);
      if (id === 'A' || id === 'B') await new Promise<void>((resolve) => gates.set(id, resolve));
    };
    registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle }, 'NoopHandler');
    const dispatcher = new TaskDispatcher(
      store as unknown as TaskStore, new LocalTaskNotifier(), { ...options, heartbeatIntervalMs: 10, claimAheadHoldMs: 20 }, 'unit-worker', registry, new TaskEvents(),
    );
    await dispatcher.start();
    try {
      await waitFor(() => gates.has('A'), 'A to start', 2000, 1);
      // A lease renewal sent now, while X waits in its first attempt, is answered late.
      store.gateRenewal = true;
      await waitFor(() => store.answerRenewal !== undefined, 'a renewal to go out', 2000, 1);
      expect(store.lateRenewal).toEqual(expect.arrayContaining(['X:1']));
      await waitFor(() => store.due.some((t) => t.taskId === 'X' && t.attempt === 2), 'X to be handed back', 2000, 1);
      // X is claimed again (attempt 2) and waits behind B; the late answer about attempt 1 lands then.
      let waitingWhenAnswered = false;
      store.claimedAgain = () => {
        waitingWhenAnswered = dispatcher.snapshot().claimedAhead > 0 && !ran.includes('X');
        store.answerRenewal!();
      };
      gates.get('A')!();
      await waitFor(() => gates.has('B'), 'B to start', 2000, 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
      // The case under test happened (A ran short enough for claims to stay ahead of the slot).
      expect(waitingWhenAnswered).toBe(true);
      gates.get('B')!();
      await waitFor(() => ran.includes('X'), 'X to run (its next attempt was not dropped)', 2000, 5);
    } finally {
      for (const open of gates.values()) open();
      store.answerRenewal?.();
      await dispatcher.stop();
    }
  });

  describe('claim size of a one-slot executor', () => {
    /** The limits of the claims made while `count` tasks of `runMs` each ran (the first claim, before any run time is known, left out). */
    async function claimLimits(runMs: number, count: number): Promise<number[]> {
      const store = new RecordingStore();
      const registry = new TaskHandlerRegistry();
      let ran = 0;
      const handle = async () => {
        // At least runMs by the clock the dispatcher times runs with (a timer alone may fire a little early).
        const until = performance.now() + runMs;
        while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, Math.max(1, until - performance.now())));
        ran++;
      };
      registry.register({ taskType: 'unit.noop', executor: 'event-loop' }, { handle }, 'NoopHandler');
      const dispatcher = new TaskDispatcher(store as unknown as TaskStore, new LocalTaskNotifier(), options, 'unit-worker', registry, new TaskEvents());
      await dispatcher.start();
      try {
        await waitFor(() => ran >= count, `${count} tasks of ${runMs} ms to run`, 10_000, 5);
      } finally {
        await dispatcher.stop();
      }
      return store.limits.slice(1);
    }

    it('claims 16 at a time while tasks take a fraction of a millisecond', async () => {
      const limits = await claimLimits(0, 200);
      expect(Math.max(...limits)).toBe(16);
    });

    it('claims only what fits in ~30 ms of runs while they take several milliseconds', async () => {
      // 5 ms runs (more with the timer's lag on a loaded machine): 30 ms hold five at most, asked for in claims of up to four.
      const limits = await claimLimits(5, 40);
      expect(Math.max(...limits)).toBeLessThanOrEqual(4);
    });

    it('claims no more than its free slot once tasks run long', async () => {
      const limits = await claimLimits(15, 12);
      expect(Math.max(...limits)).toBe(1);
    });
  });
});
