import { backoffDelayMs, isRetryable, toErrorInfo } from './retry-policy';
import { NonRetryableTaskError } from '../errors/non-retryable-task.error';
import { RetryableTaskError } from '../errors/retryable-task.error';

describe('backoffDelayMs', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('doubles from the base and adds 10–30 % jitter (seed formula)', () => {
    expect(backoffDelayMs(0, { ...policy, random: () => 0 })).toBe(1100);
    expect(backoffDelayMs(0, { ...policy, random: () => 0.999999 })).toBe(1300);
    expect(backoffDelayMs(1, { ...policy, random: () => 0 })).toBe(2200);
    expect(backoffDelayMs(3, { ...policy, random: () => 0.5 })).toBe(8000 * 1.2);
  });

  it('caps the delay before jitter', () => {
    expect(backoffDelayMs(10, { ...policy, random: () => 0 })).toBe(66_000);
    expect(backoffDelayMs(50, { ...policy, random: () => 0.999999 })).toBe(78_000);
  });

  it('stays within bounds for random jitter', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(2, policy);
      expect(delay).toBeGreaterThanOrEqual(4400);
      expect(delay).toBeLessThanOrEqual(5200);
    }
  });
});

describe('isRetryable', () => {
  it('honours an explicit flag first', () => {
    expect(isRetryable(new RetryableTaskError('x'))).toBe(true);
    expect(isRetryable(new NonRetryableTaskError('x'))).toBe(false);
    expect(isRetryable(Object.assign(new Error('x'), { code: 'ECONNRESET', retryable: false }))).toBe(false);
  });

  it('treats connection errors and timeouts as transient, everything else as permanent', () => {
    expect(isRetryable(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isRetryable(new Error('wrapped', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }))).toBe(true);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('Query failed'), { driverError: Object.assign(new Error('x'), { code: '57P01' }) }))).toBe(true);
    expect(isRetryable(new TypeError('bug'))).toBe(false);
    expect(isRetryable('a string')).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });
});

describe('toErrorInfo', () => {
  it('keeps name, message, stack, code and the retryable flag', () => {
    const info = toErrorInfo(Object.assign(new RangeError('too big'), { code: 'E_BIG' }), 2);
    expect(info).toMatchObject({ name: 'RangeError', message: 'too big', code: 'E_BIG', retryable: false, attempt: 2 });
    expect(info.stack).toContain('RangeError: too big');
  });

  it('turns a thrown non-error into a message', () => {
    expect(toErrorInfo('boom')).toMatchObject({ name: 'Error', message: 'boom', retryable: false });
  });
});
