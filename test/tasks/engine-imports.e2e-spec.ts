import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Packages a fresh Node process resolves while importing `entry` (as the app loads it: TypeScript through swc). */
function packagesLoadedBy(entry: string): string[] {
  const script = `
    const seen = new Set();
    require('node:module').registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
        if (match) seen.add(match[1]);
        return result;
      },
    });
    require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify([...seen]));`;
  const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as string[];
}

describe('what importing the engine loads', () => {
  it('the engine alone does not load the HTTP API, its DTOs or Swagger', () => {
    const loaded = packagesLoadedBy(join(ROOT, 'src', 'modules', 'tasks', 'index.ts'));
    // The probe works: the engine's own dependencies are seen.
    expect(loaded).toEqual(expect.arrayContaining(['@nestjs/common', 'typeorm', 'piscina']));
    expect(loaded).not.toContain('@nestjs/swagger');
    expect(loaded).not.toContain('@nestjs/platform-express');
  });

  it('the HTTP API module does load Swagger (the probe can see it)', () => {
    expect(packagesLoadedBy(join(ROOT, 'src', 'modules', 'tasks', 'tasks-api.module.ts'))).toContain('@nestjs/swagger');
  });
});
