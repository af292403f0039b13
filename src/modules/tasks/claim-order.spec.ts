import { effectiveLevel, sortForStart } from './claim-order';

describe('effectiveLevel', () => {
  const now = new Date('2026-01-01T00:10:00Z');
  const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);

  it('maps priorities to levels when aging is off', () => {
    expect([1, 5, 10, 20].map((p) => effectiveLevel(p, at(3600), now, 0))).toEqual([0, 1, 2, 3]);
  });

  it('raises a waiting task one level per aging interval, up to URGENT', () => {
    expect(effectiveLevel(1, at(59), now, 60_000)).toBe(0);
    expect(effectiveLevel(1, at(60), now, 60_000)).toBe(1);
    expect(effectiveLevel(1, at(150), now, 60_000)).toBe(2);
    expect(effectiveLevel(1, at(600), now, 60_000)).toBe(3);
    expect(effectiveLevel(20, at(600), now, 60_000)).toBe(3);
  });
});

describe('sortForStart', () => {
  it('orders by priority, then run_at, then id', () => {
    const now = new Date('2026-01-01T00:00:10Z');
    const t = (taskId: string, priority: number, runAt: string) => ({ taskId, priority, runAt: new Date(runAt) });
    const sorted = sortForStart(
      [t('c', 5, '2026-01-01T00:00:01Z'), t('a', 20, '2026-01-01T00:00:05Z'), t('b', 5, '2026-01-01T00:00:01Z'), t('d', 5, '2026-01-01T00:00:00Z')],
      now,
      0,
    );
    expect(sorted.map((x) => x.taskId)).toEqual(['a', 'd', 'b', 'c']);
  });
});
