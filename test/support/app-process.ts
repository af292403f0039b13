import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { FAST_ENGINE_ENV } from './test-app';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'test', 'fixtures', 'chaos', 'chaos-main.ts');

/**
 * The application running as a separate OS process (with the fault-test
 * handlers), so that tests can kill it, signal it, and run several instances
 * on one database. Its output is kept and printed when a test fails.
 */
export class AppProcess {
  private output = '';
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  port = 0;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<AppProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', ENTRY], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...FAST_ENGINE_ENV, PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(name, child);
    app.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${app.output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        app.output += chunk.toString();
        const match = /READY (\d+)/.exec(app.output);
        if (match) {
          app.port = Number(match[1]);
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (app.output += chunk.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before it was ready:\n${app.output}`));
      });
    });
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get logs(): string {
    return this.output;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async json<T = unknown>(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(this.url(path), { method });
    return { status: res.status, body: (await res.json()) as T };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the process to exit; resolves with its exit code and signal. */
  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not exit within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited!, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if it still runs (SIGKILL after a grace): for afterAll. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
