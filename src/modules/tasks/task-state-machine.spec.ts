import { canTransition, fromStatusesSql, TASK_TRANSITIONS } from './task-state-machine';
import { TASK_STATUSES, TERMINAL_STATUSES } from './task.constants';

describe('task state machine', () => {
  it('claims only waiting tasks', () => {
    expect(TASK_STATUSES.filter((s) => canTransition('claim', s))).toEqual(['pending', 'retrying']);
  });

  it('cancels waiting and running tasks, never finished ones', () => {
    for (const status of TERMINAL_STATUSES) {
      expect(canTransition('cancelWaiting', status)).toBe(false);
      expect(canTransition('cancelRunning', status)).toBe(false);
    }
    expect(canTransition('cancelWaiting', 'retrying')).toBe(true);
    expect(canTransition('cancelRunning', 'running')).toBe(true);
  });

  it('retries only unsuccessful finished tasks', () => {
    expect(TASK_STATUSES.filter((s) => canTransition('retry', s))).toEqual(['failed', 'cancelled', 'timeout']);
  });

  it('moves a task out of running only through the attempt-ending transitions', () => {
    const fromRunning = Object.entries(TASK_TRANSITIONS)
      .filter(([, t]) => (t.from as readonly string[]).includes('running'))
      .map(([name, t]) => `${name}→${t.to}`)
      .sort();
    expect(fromRunning).toEqual(['cancelRunning→cancelled', 'complete→completed', 'fail→failed', 'release→pending', 'scheduleRetry→retrying', 'timeOut→timeout']);
  });

  it('renders the guard of a transition as SQL', () => {
    expect(fromStatusesSql('claim')).toBe(`('pending','retrying')`);
  });
});
