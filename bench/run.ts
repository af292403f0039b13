/*
 * `npm run bench [-- --quick]`: our engine beside pg-boss, graphile-worker, BullMQ and a raw `pg`
 * queue, in one run on this machine. Every measurement runs in a fresh process against a fresh
 * database (PostgreSQL: a new database per run; SQLite: a new file; Redis: database 15 flushed),
 * three times (once with --quick); the report gives medians, min–max and ratios to the anchors
 * measured in the same run, and is written to docs/benchmarks.md (+ docs/benchmarks.svg and the
 * raw results in bench/results/).
 *
 * Environment: BENCH_PG_URL (a server where databases can be created; default
 * postgres://postgres@127.0.0.1:5432/postgres). Redis on 127.0.0.1:6379.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { renderReport, type Measurement, type RunInfo } from './lib/report';

// Compiled to bench/.build/bench/run.js: the project root is three levels up.
const ROOT = join(__dirname, '..', '..', '..');
const BUILD = join(ROOT, 'bench', '.build', 'bench');
const ANCHORS = join(ROOT, 'bench', 'anchors');
const GROUPS = ['enqueue', 'drain', 'latency', 'cpu', 'depth', 'memory', 'http'] as const;
const USAGE = `usage: npm run bench [-- --quick] [-- --only=GROUP[,GROUP...]]   groups: ${GROUPS.join(', ')}`;
const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = argv.filter((a) => a !== '--quick' && !a.startsWith('--only='));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}\n${USAGE}`);
  process.exit(2);
}
// Every measured process is started with this node: the figures are Node 24's, as the service runs.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(`the benchmark needs Node 24 (this is ${process.version}); run it through npm (the node@24 devDependency): ${USAGE}`);
  process.exit(2);
}
const quick = argv.includes('--quick');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const badGroups = only?.filter((g) => !(GROUPS as readonly string[]).includes(g)) ?? [];
if (badGroups.length > 0) {
  console.error(`unknown group(s) for --only: ${badGroups.join(', ')}\n${USAGE}`);
  process.exit(2);
}
const RUNS = quick ? 1 : 3;
/**
 * The depth drains are short (10,000 tasks: ~0.3 s), so a hiccup of the machine moves one run by
 * 10–25 %: five runs each for a steadier median (a deep run costs ~15 s, mostly its prefill).
 */
const GROUP_RUNS: Partial<Record<(typeof GROUPS)[number], number>> = quick ? {} : { depth: 5 };
const N = quick ? 5000 : 20000;
const PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

type DbKind = 'pg' | 'sqlite' | 'none';

interface PlanItem {
  group: (typeof GROUPS)[number];
  system: string;
  setting: string;
  db: DbKind;
  /** node script and its JSON argument (the database is filled in per run). */
  script: string;
  args: Record<string, unknown>;
  timeoutMs?: number;
}

/**
 * Node flags of every measured process, ours and the anchors alike: those the service runs with
 * (Dockerfile NODE_OPTIONS, npm start), so that the RSS figures are the service's and compare like for like.
 */
const NODE_FLAGS = ['--max-semi-space-size=8'];

const ours = join(BUILD, 'scenarios', 'ours.js');
const anchor = (name: string) => join(ANCHORS, `${name}.mjs`);

function plan(): PlanItem[] {
  const items: PlanItem[] = [];
  const modes = ['seq', 'inflight50', 'bulk'];
  for (const mode of modes) {
    items.push({ group: 'enqueue', system: 'ours (PostgreSQL)', setting: mode, db: 'pg', script: ours, args: { op: 'enqueue', mode, n: N } });
    items.push({ group: 'enqueue', system: 'ours (SQLite)', setting: mode, db: 'sqlite', script: ours, args: { op: 'enqueue', mode, n: N } });
    items.push({ group: 'enqueue', system: 'raw pg', setting: mode, db: 'pg', script: anchor('raw-pg'), args: { op: 'enqueue', mode, n: N } });
    items.push({ group: 'enqueue', system: 'pg-boss', setting: mode, db: 'pg', script: anchor('pgboss'), args: { op: 'enqueue', mode, n: quick && mode === 'seq' ? N / 2 : N } });
    items.push({ group: 'enqueue', system: 'graphile-worker', setting: mode, db: 'pg', script: anchor('graphile'), args: { op: 'enqueue', mode, n: quick && mode !== 'bulk' ? N / 2 : N } });
    items.push({ group: 'enqueue', system: 'BullMQ (Redis)', setting: mode, db: 'none', script: anchor('bullmq'), args: { op: 'enqueue', mode, n: N } });
  }
  for (const c of [1, 50]) {
    const setting = `concurrency ${c}`;
    items.push({ group: 'drain', system: 'ours (PostgreSQL)', setting, db: 'pg', script: ours, args: { op: 'drain', n: N, concurrency: c } });
    items.push({ group: 'drain', system: 'ours (SQLite)', setting, db: 'sqlite', script: ours, args: { op: 'drain', n: N, concurrency: c } });
    items.push({ group: 'drain', system: 'raw pg', setting: c === 1 ? 'claim 1 + complete 1' : 'claim 50, complete 50 in one statement', db: 'pg', script: anchor('raw-pg'), args: { op: 'drain', n: N, concurrency: c } });
    items.push({ group: 'drain', system: 'graphile-worker', setting: `${setting}, defaults`, db: 'pg', script: anchor('graphile'), args: { op: 'drain', mode: 'defaults', n: N, concurrency: c } });
    items.push({ group: 'drain', system: 'BullMQ (Redis)', setting, db: 'none', script: anchor('bullmq'), args: { op: 'drain', n: N, concurrency: c } });
  }
  items.push({ group: 'drain', system: 'graphile-worker', setting: 'concurrency 50, tuned (localQueue 200, completeJobBatchDelay 0)', db: 'pg', script: anchor('graphile'), args: { op: 'drain', mode: 'tuned', n: N, concurrency: 50 } });
  items.push({ group: 'drain', system: 'pg-boss', setting: 'defaults (batchSize 1, poll 2 s; 15 s window)', db: 'pg', script: anchor('pgboss'), args: { op: 'drain', mode: 'defaults', n: N, concurrency: 1 }, timeoutMs: 60_000 });
  items.push({ group: 'drain', system: 'pg-boss', setting: 'tuned (batchSize 1000, poll 0.5 s, burstWhenBatchFull)', db: 'pg', script: anchor('pgboss'), args: { op: 'drain', mode: 'tuned', n: N } });

  const LAT = quick ? 100 : 300;
  items.push({ group: 'latency', system: 'ours (PostgreSQL)', setting: 'same process', db: 'pg', script: ours, args: { op: 'latency', mode: 'same-process', n: LAT } });
  items.push({ group: 'latency', system: 'ours (PostgreSQL)', setting: 'other process (NOTIFY)', db: 'pg', script: ours, args: { op: 'latency', mode: 'cross-process', n: LAT } });
  items.push({ group: 'latency', system: 'ours (SQLite)', setting: 'same process', db: 'sqlite', script: ours, args: { op: 'latency', mode: 'same-process', n: LAT } });
  items.push({ group: 'latency', system: 'raw pg', setting: 'one INSERT + commit, idle (floor of a durable submit)', db: 'pg', script: anchor('raw-pg'), args: { op: 'latency', mode: 'commit', n: LAT } });
  items.push({ group: 'latency', system: 'raw pg', setting: 'LISTEN/NOTIFY, one process', db: 'pg', script: anchor('raw-pg'), args: { op: 'latency', n: LAT } });
  items.push({ group: 'latency', system: 'raw pg', setting: 'LISTEN/NOTIFY, other process', db: 'pg', script: anchor('raw-pg'), args: { op: 'latency', mode: 'cross-process', n: LAT } });
  items.push({ group: 'latency', system: 'pg-boss', setting: 'LISTEN/NOTIFY (useListenNotify + queue notify)', db: 'pg', script: anchor('pgboss'), args: { op: 'latency', n: LAT } });
  items.push({ group: 'latency', system: 'graphile-worker', setting: 'LISTEN/NOTIFY', db: 'pg', script: anchor('graphile'), args: { op: 'latency', n: LAT } });
  items.push({ group: 'latency', system: 'BullMQ (Redis)', setting: 'blocking wait', db: 'none', script: anchor('bullmq'), args: { op: 'latency', n: LAT } });

  const CPU = quick ? 1000 : 2000;
  items.push({ group: 'cpu', system: 'ours', setting: 'worker executor (pool of 2)', db: 'none', script: ours, args: { op: 'cpu-executor', n: CPU } });
  items.push({ group: 'cpu', system: 'ours', setting: 'whole engine on PostgreSQL (claim, run, write; pool of 2)', db: 'pg', script: ours, args: { op: 'cpu', n: CPU } });
  items.push({ group: 'cpu', system: 'raw Piscina', setting: 'pool of 2, all submitted at once', db: 'none', script: anchor('piscina'), args: { mode: 'piscina', n: CPU } });
  items.push({ group: 'cpu', system: 'new Worker per task', setting: '2 at a time', db: 'none', script: anchor('piscina'), args: { mode: 'worker', n: quick ? 50 : 200 } });

  const DEEP = quick ? 200_000 : 1_000_000;
  items.push({ group: 'depth', system: 'ours (PostgreSQL)', setting: '10,000 queued', db: 'pg', script: ours, args: { op: 'drain', n: 10_000, depth: 10_000, concurrency: 50 } });
  items.push({ group: 'depth', system: 'ours (PostgreSQL)', setting: `${DEEP.toLocaleString('en')} queued`, db: 'pg', script: ours, args: { op: 'drain', n: 10_000, depth: DEEP, concurrency: 50 }, timeoutMs: 600_000 });

  items.push({ group: 'memory', system: 'ours (PostgreSQL)', setting: 'engine started, idle', db: 'pg', script: ours, args: { op: 'floor' } });

  for (const [system, db] of [['ours (PostgreSQL)', 'pg'], ['ours (SQLite)', 'sqlite']] as const) {
    items.push({ group: 'http', system, setting: 'autocannon, 10 connections', db, script: join(BUILD, 'scenarios', 'http.js'), args: { seconds: quick ? 3 : 10 } });
  }
  return only ? items.filter((i) => only.includes(i.group)) : items;
}

async function withDatabase<T>(kind: DbKind, body: (db: Record<string, unknown>) => Promise<T>): Promise<T> {
  if (kind === 'pg') {
    const name = `bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
    const admin = new Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    try {
      return await body({ url: url.toString(), db: { url: url.toString() } });
    } finally {
      const drop = new Client({ connectionString: PG_URL });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    }
  }
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      return await body({ db: { sqlitePath: join(dir, 'tasks.sqlite') } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return body({ db: {} });
}

function runOnce(item: PlanItem, dbArgs: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...NODE_FLAGS, item.script, JSON.stringify({ ...item.args, ...dbArgs })], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', SCARF_ANALYTICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), item.timeoutMs ?? 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice(7)) as Record<string, unknown>);
      else reject(new Error(`${item.system} / ${item.setting} exited ${code}: ${err.slice(-1500) || out.slice(-1500)}`));
    });
  });
}

function machine(): RunInfo['machine'] {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return 'unknown';
    }
  };
  const pkg = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: version('psql', ['--version']),
    redis: version('redis-server', ['--version']),
    versions: { 'pg-boss': pkg('pg-boss'), 'graphile-worker': pkg('graphile-worker'), bullmq: pkg('bullmq'), piscina: pkg('piscina'), pg: pkg('pg'), sqlite3: pkg('sqlite3') },
  };
}

/** CPU time counters (in ticks): total, idle waiting for the disk (iowait), stolen by the hypervisor. */
interface Ticks {
  total: number;
  iowait: number;
  steal: number;
}

const NO_TICKS: Ticks = { total: 0, iowait: 0, steal: 0 };

/** The machine's counters (Linux /proc/stat); null elsewhere, and then no shares are reported. */
function cpuTicks(): Ticks | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return { total: fields.reduce((a, b) => a + b, 0), iowait: fields[4] ?? 0, steal: fields[7] ?? 0 };
  } catch {
    return null;
  }
}

const addTicks = (sum: Ticks | null, from: Ticks | null, to: Ticks | null): Ticks | null =>
  sum && from && to ? { total: sum.total + to.total - from.total, iowait: sum.iowait + to.iowait - from.iowait, steal: sum.steal + to.steal - from.steal } : null;

/** Shares of CPU time stolen and spent waiting for the disk over some ticks, in %. */
function tickShares(t: Ticks | null): { steal_pct?: number; iowait_pct?: number } {
  if (!t || t.total <= 0) return {};
  const pct = (n: number) => Math.round((n / t.total) * 1000) / 10;
  return { steal_pct: pct(t.steal), iowait_pct: pct(t.iowait) };
}

/**
 * Runs the plan group by group, and inside a group round-robin: the first run of
 * every system, then the second of every system, and so on. A slow spell of the
 * machine (a neighbour on the host, the disk flushing) then falls on all the
 * systems compared in a ratio rather than on all the runs of one of them.
 */
async function main(): Promise<void> {
  const items = plan();
  const started = new Date();
  const measurements: Measurement[] = [];
  const runTicks = cpuTicks();
  const extra = Object.entries(GROUP_RUNS).map(([group, runs]) => `, ${group}: ${runs}`).join('');
  console.log(`Benchmark (${quick ? 'quick' : 'full'}): ${items.length} measurements × ${RUNS} run(s)${extra}, n = ${N}`);
  for (const group of [...new Set(items.map((i) => i.group))]) {
    const members = items.filter((i) => i.group === group);
    const state = members.map(() => ({ runs: [] as Array<Record<string, unknown>>, errors: [] as string[], ticks: runTicks ? NO_TICKS : null }));
    for (let r = 0; r < (GROUP_RUNS[group] ?? RUNS); r++) {
      for (const [k, item] of members.entries()) {
        const before = cpuTicks();
        try {
          state[k].runs.push(await withDatabase(item.db, (db) => runOnce(item, db)));
        } catch (error) {
          state[k].errors.push((error as Error).message);
        }
        state[k].ticks = addTicks(state[k].ticks, before, cpuTicks());
      }
    }
    for (const [k, item] of members.entries()) {
      const { runs, errors, ticks } = state[k];
      const shares = tickShares(ticks);
      measurements.push({ group: item.group, system: item.system, setting: item.setting, runs, errors, ...shares });
      const summary = runs.map((r) => r.jobs_per_s ?? r.p50 ?? r.us_per_task ?? r.requests_per_s ?? r.rss_engine_idle_mb ?? '?').join(' / ');
      const machineNote = [shares.steal_pct ? `steal ${shares.steal_pct} %` : '', shares.iowait_pct ? `iowait ${shares.iowait_pct} %` : ''].filter(Boolean).join(', ');
      console.log(`  ${item.group.padEnd(8)} ${item.system.padEnd(20)} ${item.setting.slice(0, 60).padEnd(60)} ${summary}${errors.length ? `  (${errors.length} failed)` : ''}${machineNote ? `  [${machineNote}]` : ''}`);
      for (const e of errors) console.log(`      ${e.split('\n')[0]}`);
    }
  }
  const info: RunInfo = { started_at: started.toISOString(), finished_at: new Date().toISOString(), quick, runs: RUNS, n: N, node_flags: NODE_FLAGS, machine: machine(), ...tickShares(addTicks(NO_TICKS, runTicks, cpuTicks())) };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const { markdown, svg } = renderReport(info, measurements);
  const kind = quick ? 'quick' : 'full';
  if (only) {
    // Some groups alone: printed and kept beside the results (git-ignored), never over the published report.
    writeFileSync(join(ROOT, 'bench', 'results', `${kind}-partial.json`), JSON.stringify({ info, measurements }, null, 2));
    writeFileSync(join(ROOT, 'bench', 'results', `${kind}-partial.md`), markdown);
    console.log(`\nWrote bench/results/${kind}-partial.md and .json (groups: ${only.join(', ')}); docs/ is left as it was`);
  } else {
    writeFileSync(join(ROOT, 'bench', 'results', `${kind}-latest.json`), JSON.stringify({ info, measurements }, null, 2));
    const doc = quick ? 'benchmarks-quick' : 'benchmarks';
    writeFileSync(join(ROOT, 'docs', `${doc}.md`), markdown);
    writeFileSync(join(ROOT, 'docs', `${doc}.svg`), svg);
    console.log(`\nWrote docs/${doc}.md, docs/${doc}.svg and bench/results/${kind}-latest.json`);
  }
  console.log(markdown.split('## Targets')[1]?.split('\n## ')[0] ?? '');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
