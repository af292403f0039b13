import { meetsMinimumSqlite } from './sqlite-task.store';

describe('meetsMinimumSqlite', () => {
  it('accepts 3.45.0 and newer', () => {
    for (const version of ['3.45.0', '3.45.1', '3.46.0', '3.52.0', '4.0.0']) expect(meetsMinimumSqlite(version)).toBe(true);
  });

  it('refuses versions without jsonb_each', () => {
    for (const version of ['3.44.2', '3.40.1', '3.9.9', '2.99.99']) expect(meetsMinimumSqlite(version)).toBe(false);
  });
});
