import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { validateCronExpression } from 'cron';
import { TargetAllowlist } from '../modules/test-suites/execution/target-allowlist';
import { EnvironmentVariables } from './environment-variables';

/** Thrown at boot when an environment variable has a bad value; names every bad variable. */
export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}\nFix the environment variables above and start again.`);
    this.name = 'InvalidConfigurationError';
  }
}

function describe(error: ValidationError, raw: Record<string, unknown>): string[] {
  const got = error.property in raw ? ` (got ${JSON.stringify(raw[error.property])})` : '';
  return Object.values(error.constraints ?? {}).map(
    (m) => `${m.startsWith(error.property) ? m : `${error.property}: ${m}`}${got}`,
  );
}

/**
 * Turns the raw environment into a typed, validated `EnvironmentVariables`.
 * Variables the service does not know are ignored; a bad value throws
 * `InvalidConfigurationError` naming the variable.
 */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const picked = Object.fromEntries(Object.entries(raw).filter(([key, value]) => known.includes(key) && value !== undefined));
  const env = plainToInstance(EnvironmentVariables, picked, { exposeDefaultValues: true });
  const problems = validateSync(env, { forbidUnknownValues: false }).flatMap((e) => describe(e, picked));
  if (env.TASK_RETRY_MAX_MS < env.TASK_RETRY_BASE_MS) {
    problems.push(`TASK_RETRY_MAX_MS (${env.TASK_RETRY_MAX_MS}) must be at least TASK_RETRY_BASE_MS (${env.TASK_RETRY_BASE_MS})`);
  }
  if (env.TASK_HEARTBEAT_INTERVAL_MS >= env.TASK_LEASE_MS) {
    problems.push(`TASK_HEARTBEAT_INTERVAL_MS (${env.TASK_HEARTBEAT_INTERVAL_MS}) must be shorter than TASK_LEASE_MS (${env.TASK_LEASE_MS})`);
  }
  const cron = validateCronExpression(env.TASK_CLEANUP_CRON);
  if (!cron.valid) problems.push(`TASK_CLEANUP_CRON must be a cron expression (got ${JSON.stringify(env.TASK_CLEANUP_CRON)}: ${cron.error?.message ?? 'invalid'})`);
  try {
    TargetAllowlist.parse(env.TEST_TARGET_ALLOWLIST);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new InvalidConfigurationError(problems);
  return env;
}
