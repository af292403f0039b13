import { Logger } from '@nestjs/common';
import { TaskInsertBatcher } from './task-insert-batcher';
import type { TaskNotifier } from './task-notifier.interface';
import type { InsertResult, NewTaskRow, TaskStore } from './task-store.interface';

/** A store whose inserts the test completes by hand, recording each batch. */
class ManualStore {
  readonly batches: Array<{ ids: string[]; settle: (error?: Error) => void }> = [];

  insert(rows: readonly NewTaskRow[]): Promise<InsertResult[]> {
    return new Promise((resolve, reject) => {
      this.batches.push({
        ids: rows.map((r) => r.taskId),
        settle: (error) => (error ? reject(error) : resolve(rows.map((r) => ({ taskId: r.taskId, created: true, status: 'pending' })))),
      });
    });
  }
}

const notifier = { takeInlineNotification: () => null, notifyNewTasks: () => undefined } as unknown as TaskNotifier;
const row = (taskId: string): NewTaskRow => ({
  taskId,
  taskType: 't',
  priority: 5,
  runAt: new Date(0),
  createdAt: new Date(0),
  inputJson: '{}',
  maxRetries: 0,
  timeoutSeconds: 1,
  metadataJson: '{}',
  idempotencyKey: null,
});
/** Lets pending promise callbacks run, then what they scheduled for the next turn of the event loop. */
const turn = async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
};

describe('TaskInsertBatcher (group commit)', () => {
  it('sends a lone submit at once, and coalesces the submits that arrive while every slot is busy into one insert', async () => {
    const store = new ManualStore();
    const batcher = new TaskInsertBatcher(store as unknown as TaskStore, notifier, 1);
    const first = batcher.add(row('a'));
    expect(store.batches.map((b) => b.ids)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((id) => batcher.add(row(id)));
    expect(store.batches).toHaveLength(1);
    store.batches[0].settle();
    await expect(first).resolves.toEqual({ taskId: 'a', created: true, status: 'pending' });
    await turn();
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    store.batches[1].settle();
    await expect(Promise.all(rest)).resolves.toHaveLength(3);
  });

  it('resolves each caller only once its own batch is committed, and rejects every caller of a failed batch (and no other)', async () => {
    const store = new ManualStore();
    const batcher = new TaskInsertBatcher(store as unknown as TaskStore, notifier, 2);
    const settled: string[] = [];
    const track = (id: string) =>
      batcher.add(row(id)).then(
        () => settled.push(`${id} ok`),
        (error: Error) => settled.push(`${id} ${error.message}`),
      );
    const calls = [track('a'), track('b'), track('c'), track('d')];
    // Two slots: 'a' and 'b' go out alone at once; 'c' and 'd' wait together.
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b']]);
    store.batches[1].settle(new Error('disk full'));
    await turn();
    expect(settled).toEqual(['b disk full']);
    expect(store.batches.map((b) => b.ids)).toEqual([['a'], ['b'], ['c', 'd']]);
    store.batches[2].settle();
    await turn();
    expect(settled).toEqual(['b disk full', 'c ok', 'd ok']);
    store.batches[0].settle();
    await Promise.all(calls);
    expect(settled).toEqual(['b disk full', 'c ok', 'd ok', 'a ok']);
  });

  it('keeps the slot of a batch of several until its callers have submitted again, so that their next rows go out together', async () => {
    const store = new ManualStore();
    const batcher = new TaskInsertBatcher(store as unknown as TaskStore, notifier, 1);
    // As through TaskManager.submit: a few promise turns between a resolved submit and the caller's next one.
    const submit = async (id: string) => {
      await batcher.add(row(id));
      await Promise.resolve();
      await Promise.resolve();
    };
    const first = submit('x');
    const callers = ['a', 'b', 'c'].map(async (id) => {
      await submit(`${id}1`);
      await submit(`${id}2`);
    });
    const ids = () => store.batches.map((b) => b.ids);
    expect(ids()).toEqual([['x']]);
    store.batches[0].settle();
    await turn();
    expect(ids()).toEqual([['x'], ['a1', 'b1', 'c1']]);
    store.batches[1].settle();
    await turn();
    // Not ['a2'] alone and then ['b2', 'c2']: the slot waited for all three.
    expect(ids()).toEqual([['x'], ['a1', 'b1', 'c1'], ['a2', 'b2', 'c2']]);
    store.batches[2].settle();
    await Promise.all([first, ...callers]);
  });

  it('settles every caller of a batch and frees its slot when the notifier throws, before or after the insert', async () => {
    const store = new ManualStore();
    const failing = { takeInlineNotification: jest.fn(), notifyNewTasks: jest.fn() };
    const batcher = new TaskInsertBatcher(store as unknown as TaskStore, failing as unknown as TaskNotifier, 1);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    // Before the insert: nothing was written, so every caller of the batch is rejected.
    failing.takeInlineNotification.mockImplementationOnce(() => {
      throw new Error('notifier broken');
    });
    await expect(batcher.add(row('a'))).rejects.toThrow('notifier broken');
    expect(store.batches).toHaveLength(0);

    // After the insert (the trailing wake-up): the rows are committed, so the callers are resolved.
    failing.takeInlineNotification.mockReturnValue(null);
    failing.notifyNewTasks.mockImplementation(() => {
      throw new Error('timer broken');
    });
    const b = batcher.add(row('b'));
    store.batches[0].settle();
    await expect(b).resolves.toEqual({ taskId: 'b', created: true, status: 'pending' });
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('timer broken'));

    // The slot was freed both times: the next submit goes out at once.
    const c = batcher.add(row('c'));
    expect(store.batches.map((x) => x.ids)).toEqual([['b'], ['c']]);
    store.batches[1].settle();
    await expect(c).resolves.toMatchObject({ taskId: 'c' });
  });

  it('rejects every caller of a batch for which the store returned fewer results than rows', async () => {
    const short = { insert: async (rows: readonly NewTaskRow[]) => rows.slice(1).map((r) => ({ taskId: r.taskId, created: true, status: 'pending' })) };
    const batcher = new TaskInsertBatcher(short as unknown as TaskStore, notifier, 1);
    await expect(batcher.add(row('a'))).rejects.toThrow('Task insert returned 0 results for 1 rows');
  });
});
