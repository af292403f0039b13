import { InvalidConfigurationError, validateEnvironment } from './validate-environment';

describe('validateEnvironment', () => {
  it('applies the seed defaults', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      TASK_MAX_CPU_WORKERS: 4,
      TASK_MAX_IO_WORKERS: 16,
      TASK_DEFAULT_TIMEOUT: 300,
      TASK_MAX_RETRIES: 3,
      TASK_CLEANUP_DAYS: 7,
      TASK_FAILED_CLEANUP_DAYS: 30,
      TASK_WORKER_ENABLED: true,
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('converts strings from the environment and ignores unknown variables', () => {
    const env = validateEnvironment({ TASK_MAX_CPU_WORKERS: '8', TASK_WORKER_ENABLED: 'false', DATABASE_URL: 'postgres://u@h/db', HOME: '/root' });
    expect(env.TASK_MAX_CPU_WORKERS).toBe(8);
    expect(env.TASK_WORKER_ENABLED).toBe(false);
    expect(env.DATABASE_URL).toBe('postgres://u@h/db');
    expect(env).not.toHaveProperty('HOME');
  });

  it('names every bad variable and its value', () => {
    let error: unknown;
    try {
      validateEnvironment({ TASK_MAX_CPU_WORKERS: 'four', PORT: '70000', DATABASE_URL: 'mysql://x', TASK_WORKER_ENABLED: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('TASK_MAX_CPU_WORKERS');
    expect(message).toContain('"four"');
    expect(message).toContain('PORT');
    expect(message).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(message).toContain('TASK_WORKER_ENABLED');
  });

  it('checks values against each other', () => {
    expect(() => validateEnvironment({ TASK_HEARTBEAT_INTERVAL_MS: '30000', TASK_LEASE_MS: '10000' })).toThrow(/TASK_HEARTBEAT_INTERVAL_MS \(30000\) must be shorter than TASK_LEASE_MS/);
    expect(() => validateEnvironment({ TASK_RETRY_BASE_MS: '5000', TASK_RETRY_MAX_MS: '100' })).toThrow(/TASK_RETRY_MAX_MS/);
  });
});
