/**
 * One Jest run covers unit specs beside the code (`src/**\/*.spec.ts`) and the
 * integration / e2e suites under `test/`. The database is chosen by the
 * environment: `DATABASE_URL` set → PostgreSQL (each suite makes its own fresh
 * database), unset → SQLite (each suite makes its own file).
 */
module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  maxWorkers: 2,
  testTimeout: 60000,
  verbose: true,
};
