import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt } from '../support/ensure-built';
import { TEST_DIALECT } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// The demo always runs on SQLite (that is what it shows); once per CI run is enough.
(TEST_DIALECT === 'sqlite' ? describe : describe.skip)('npm run demo', () => {
  it('starts the service and a sample target, runs the pipeline and writes the HTML report', async () => {
    ensureBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'demo', 'run-demo.js'), '--exit'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DEMO_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('HTML report:') });
    expect(output).toMatch(/report_generation\s+completed/);
    expect(output).toMatch(/Result: 20 cases, 9 passed, 11 failed, 0 errored\./);
    const reportPath = /HTML report: (.+)/.exec(output)![1].trim();
    const html = readFileSync(reportPath, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('Sample Pet Store');
  }, 120_000);
});
