/** One measured row: a system in one setting, measured `runs.length` times. */
export interface Measurement {
  group: 'enqueue' | 'drain' | 'latency' | 'cpu' | 'depth' | 'memory' | 'http';
  system: string;
  setting: string;
  runs: Array<Record<string, unknown>>;
  errors: string[];
  /** Share of the machine's CPU time the hypervisor took away (steal) while this row ran, in %. */
  steal_pct?: number;
  /** Share of the machine's CPU time spent idle waiting for the disk while this row ran, in %. */
  iowait_pct?: number;
}

export interface RunInfo {
  started_at: string;
  finished_at: string;
  quick: boolean;
  runs: number;
  n: number;
  /** Node flags every measured process ran with (absent in results written before they were recorded). */
  node_flags?: string[];
  machine: { cpu: string; memory_gib: number; node: string; postgres: string; redis: string; versions: Record<string, string> };
  /** Share of CPU time stolen by the hypervisor over the whole run, in % (Linux /proc/stat; absent elsewhere). */
  steal_pct?: number;
  /** Share of CPU time idle waiting for the disk over the whole run, in %. */
  iowait_pct?: number;
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const fmt = (v: number, digits = 0): string => (Number.isFinite(v) ? v.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '–');

function stat(m: Measurement | undefined, key: string): { median: number; min: number; max: number } {
  const values = (m?.runs ?? []).map((r) => num(r[key])).filter(Number.isFinite);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function find(ms: Measurement[], group: Measurement['group'], system: string, setting?: string): Measurement | undefined {
  return ms.find((m) => m.group === group && m.system === system && (setting === undefined || m.setting === setting || m.setting.startsWith(setting)));
}

function throughputTable(ms: Measurement[], group: 'enqueue' | 'drain'): string {
  const rows = ms.filter((m) => m.group === group);
  const lines = ['| system | setting | median jobs/s | min–max | runs | RSS after (MB, median) | heap after GC (MB) |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const m of rows) {
    const s = stat(m, 'jobs_per_s');
    const rss = stat(m, 'rss_after_mb');
    const heap = stat(m, 'heap_used_after_gc_mb');
    const partial = m.runs.some((r) => r.drained === false) ? ' (partial: not drained in the window)' : '';
    lines.push(`| ${m.system} | ${m.setting}${partial} | ${fmt(s.median)} | ${fmt(s.min)}–${fmt(s.max)} | ${m.runs.length}${m.errors.length ? ` (${m.errors.length} failed)` : ''} | ${fmt(rss.median, 1)} | ${fmt(heap.median, 1)} |`);
  }
  return lines.join('\n');
}

function latencyTable(ms: Measurement[]): string {
  const lines = ['| system | setting | p50 ms (min–max) | p95 ms | p99 ms | runs |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const m of ms.filter((x) => x.group === 'latency')) {
    const p50 = stat(m, 'p50');
    lines.push(`| ${m.system} | ${m.setting} | ${fmt(p50.median, 2)} (${fmt(p50.min, 2)}–${fmt(p50.max, 2)}) | ${fmt(stat(m, 'p95').median, 2)} | ${fmt(stat(m, 'p99').median, 2)} | ${m.runs.length} |`);
  }
  return lines.join('\n');
}

function cpuTable(ms: Measurement[]): string {
  const lines = ['| runner | setting | µs per task (median) | min–max | wall ms | runs |', '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const m of ms.filter((x) => x.group === 'cpu')) {
    const s = stat(m, 'us_per_task');
    lines.push(`| ${m.system} | ${m.setting} | ${fmt(s.median)} | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(stat(m, 'wall_ms').median)} | ${m.runs.length} |`);
  }
  return lines.join('\n');
}

/** The three rows that saw most of a machine share (`steal_pct` or `iowait_pct`), those above 1 %. */
function worstRows(ms: Measurement[], key: 'steal_pct' | 'iowait_pct'): string {
  const rows = ms.filter((m) => (m[key] ?? 0) >= 1).sort((a, b) => b[key]! - a[key]!);
  return rows
    .slice(0, 3)
    .map((m) => `${m.group} / ${m.system} / ${m.setting.split(',')[0]} ${fmt(m[key]!, 0)} %`)
    .join('; ');
}

/**
 * What the virtual machine lost while the run went on: CPU taken by its neighbours
 * (steal), and time idle waiting for the disk (iowait: one-at-a-time submits wait
 * for a WAL flush each, so a slow disk lowers every awaited insert rate).
 */
function machineLines(info: RunInfo, ms: Measurement[]): string {
  const lines: string[] = [];
  if (info.steal_pct !== undefined) {
    const worst = worstRows(ms, 'steal_pct');
    lines.push(
      `- CPU time stolen by the hypervisor: ${fmt(info.steal_pct, 1)} % over the run${worst ? ` (most while: ${worst})` : ''}. Above a few %, the machine was shared with busy neighbours and the figures of the rows concerned are low and uneven.`,
    );
  }
  if (info.iowait_pct !== undefined) {
    const worst = worstRows(ms, 'iowait_pct');
    lines.push(
      `- CPU time idle waiting for the disk (iowait): ${fmt(info.iowait_pct, 1)} % over the run${worst ? ` (most while: ${worst})` : ''}. Rows that commit one task at a time wait for a WAL flush each; their rates follow the disk.`,
    );
  }
  return lines.join('\n');
}

function memoryTable(ms: Measurement[]): string {
  const floor = find(ms, 'memory', 'ours (PostgreSQL)');
  const drain = find(ms, 'drain', 'ours (PostgreSQL)', 'concurrency 50');
  const lines = [
    '| process | RSS (MB, median) | of which mapped from files (node binary, shared libraries) | of which V8 young generation | heap used after GC (MB) |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  lines.push(`| bare Node (\`node -e\`) | ${fmt(stat(floor, 'rss_bare_node_mb').median, 1)} | – | – | – |`);
  lines.push(
    `| the stack alone: \`@nestjs/core\`, \`@nestjs/typeorm\`, \`class-validator\` imported, nothing started | ${fmt(stat(floor, 'rss_stack_mb').median, 1)} | ` +
      `${fmt(stat(floor, 'rss_stack_file_mb').median, 1)} | ${fmt(stat(floor, 'stack_young_gen_mb').median, 1)} | ${fmt(stat(floor, 'stack_heap_mb').median, 1)} |`,
  );
  const row = (label: string, m: Measurement | undefined, rssKey: string) =>
    `| ${label} | ${fmt(stat(m, rssKey).median, 1)} | ${fmt(stat(m, 'rss_file_mb').median, 1)} | ${fmt(stat(m, 'young_gen_mb').median, 1)} | ${fmt(stat(m, 'heap_used_after_gc_mb').median, 1)} |`;
  lines.push(row('engine started and idle, before any task', floor, 'rss_engine_idle_mb'));
  lines.push(row('after the drain (concurrency 50)', drain, 'rss_after_mb'));
  return lines.join('\n');
}

function depthTable(ms: Measurement[]): string {
  const lines = ['| backlog | drain jobs/s (median) | min–max | RSS before → after (MB) | heap after GC (MB) | runs |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const m of ms.filter((x) => x.group === 'depth')) {
    const s = stat(m, 'jobs_per_s');
    lines.push(
      `| ${m.setting} | ${fmt(s.median)} | ${fmt(s.min)}–${fmt(s.max)} | ${fmt(stat(m, 'rss_before_mb').median, 1)} → ${fmt(stat(m, 'rss_after_mb').median, 1)} | ` +
        `${fmt(stat(m, 'heap_used_after_gc_mb').median, 1)} | ${m.runs.length} |`,
    );
  }
  const plan = ms.filter((x) => x.group === 'depth').flatMap((m) => m.runs.map((r) => r.claim_plan)).find((p) => typeof p === 'string');
  if (plan) {
    lines.push(
      '',
      "The claim's plan with the deep backlog in the table, as the engine runs it (`EXPLAIN` of the prepared statement's generic plan, in a session with the engine's settings): index reads of the heads, primary-key lookups, an update by row address.",
      '',
      '```',
      String(plan),
      '```',
    );
  }
  return lines.join('\n');
}

function httpTable(ms: Measurement[]): string {
  const measured = ms.filter((x) => x.group === 'http' && x.runs.length > 0);
  if (measured.length === 0) return '_not measured_';
  const lines = ['| database | endpoint | requests/s (median) | p99 latency ms (median) | runs |', '| --- | --- | ---: | ---: | ---: |'];
  for (const m of measured) {
    for (const e of Object.keys((m.runs[0].endpoints as Record<string, unknown>) ?? {})) {
      const rps = median(m.runs.map((r) => num((r.endpoints as Record<string, Record<string, unknown>>)[e].requests_per_s)));
      const p99 = median(m.runs.map((r) => num((r.endpoints as Record<string, Record<string, unknown>>)[e].p99_ms)));
      lines.push(`| ${m.system} | ${e} | ${fmt(rps)} | ${fmt(p99, 1)} | ${m.runs.length} |`);
    }
  }
  return lines.join('\n');
}

interface Target {
  name: string;
  measured: string;
  holds: boolean | null;
}

function targets(ms: Measurement[]): Target[] {
  const jobs = (group: 'enqueue' | 'drain', system: string, setting?: string) => stat(find(ms, group, system, setting), 'jobs_per_s').median;
  const t: Target[] = [];
  const check = (name: string, value: number, bound: number, measured: string, higherIsBetter = true) =>
    t.push({ name, measured, holds: Number.isFinite(value) && Number.isFinite(bound) ? (higherIsBetter ? value >= bound : value <= bound) : null });

  const ourDrain = jobs('drain', 'ours (PostgreSQL)', 'concurrency 50');
  const tuned = [
    ['graphile-worker tuned', jobs('drain', 'graphile-worker', 'concurrency 50, tuned')],
    ['pg-boss tuned', jobs('drain', 'pg-boss', 'tuned')],
    ['BullMQ c50', jobs('drain', 'BullMQ (Redis)', 'concurrency 50')],
  ] as Array<[string, number]>;
  const fastest = tuned.filter(([, v]) => Number.isFinite(v)).sort((a, b) => b[1] - a[1])[0] ?? ['–', NaN];
  check(`Drain (PostgreSQL, c50) ≥ 1.1× the fastest tuned anchor (${fastest[0]})`, ourDrain / fastest[1], 1.1, ratio(ourDrain, fastest[1]));
  const rawDrain = jobs('drain', 'raw pg', 'claim 50');
  check('Drain (PostgreSQL, c50) ≥ 0.85× raw batched SKIP LOCKED', ourDrain / rawDrain, 0.85, ratio(ourDrain, rawDrain));

  const ourInflight = jobs('enqueue', 'ours (PostgreSQL)', 'inflight50');
  const bullInflight = jobs('enqueue', 'BullMQ (Redis)', 'inflight50');
  check('Enqueue, 50 in flight ≥ 1.0× BullMQ', ourInflight / bullInflight, 1.0, ratio(ourInflight, bullInflight));
  const ourSeq = jobs('enqueue', 'ours (PostgreSQL)', 'seq');
  check('Enqueue, one at a time ≥ 0.9× raw', ourSeq / jobs('enqueue', 'raw pg', 'seq'), 0.9, ratio(ourSeq, jobs('enqueue', 'raw pg', 'seq')));
  check('Enqueue, one at a time ≥ 2× pg-boss', ourSeq / jobs('enqueue', 'pg-boss', 'seq'), 2, ratio(ourSeq, jobs('enqueue', 'pg-boss', 'seq')));
  const ourBulk = jobs('enqueue', 'ours (PostgreSQL)', 'bulk');
  check('Enqueue, bulk ≥ 0.7× raw multi-row INSERT', ourBulk / jobs('enqueue', 'raw pg', 'bulk'), 0.7, ratio(ourBulk, jobs('enqueue', 'raw pg', 'bulk')));

  const same = find(ms, 'latency', 'ours (PostgreSQL)', 'same process');
  // A task starts once its row is committed: the raw INSERT + commit on the same grid is the floor under both figures.
  const floor = find(ms, 'latency', 'raw pg', 'one INSERT + commit');
  const floorNote = (key: string) => (floor ? ` (one raw INSERT + commit: ${fmt(stat(floor, key).median, 2)} ms)` : '');
  check('Latency, same process: p50 ≤ 2 ms', stat(same, 'p50').median, 2, `${fmt(stat(same, 'p50').median, 2)} ms${floorNote('p50')}`, false);
  check('Latency, same process: p99 ≤ 8 ms', stat(same, 'p99').median, 8, `${fmt(stat(same, 'p99').median, 2)} ms${floorNote('p99')}`, false);
  const cross = stat(find(ms, 'latency', 'ours (PostgreSQL)', 'other process'), 'p50').median;
  // Against raw LISTEN/NOTIFY with its listener idle in another process too (the one-process figure is in the table below).
  const raw = stat(find(ms, 'latency', 'raw pg', 'LISTEN/NOTIFY, other process'), 'p50').median;
  check('Latency, other process (NOTIFY): p50 ≤ raw LISTEN/NOTIFY, other process', cross, raw, `${fmt(cross, 2)} ms vs ${fmt(raw, 2)} ms`, false);

  const exec = stat(find(ms, 'cpu', 'ours', 'worker executor'), 'us_per_task').median;
  const pisc = stat(find(ms, 'cpu', 'raw Piscina'), 'us_per_task').median;
  check('CPU tasks: worker executor overhead over raw Piscina ≤ 0.5 ms per task', exec - pisc, 500, `${fmt(exec - pisc)} µs`, false);

  const depth = ms.filter((m) => m.group === 'depth');
  if (depth.length === 2) {
    const [shallow, deep] = depth.map((m) => stat(m, 'jobs_per_s').median);
    check(`Depth: drain with ${depth[1].setting} ≥ 0.8× with ${depth[0].setting}`, deep / shallow, 0.8, ratio(deep, shallow));
    const rssShallow = stat(depth[0], 'rss_after_mb').median;
    const rssDeep = stat(depth[1], 'rss_after_mb').median;
    const drainRun = find(ms, 'drain', 'ours (PostgreSQL)', 'concurrency 50');
    const rssDrain = stat(drainRun, 'rss_after_mb').median;
    const floorRun = find(ms, 'memory', 'ours (PostgreSQL)');
    const idle = stat(floorRun, 'rss_engine_idle_mb').median;
    const stack = stat(floorRun, 'rss_stack_mb').median;
    const split = `${fmt(stat(drainRun, 'rss_file_mb').median, 1)} MB mapped from the node binary and libraries, ${fmt(stat(drainRun, 'young_gen_mb').median, 1)} MB V8 young generation`;
    check('RSS after a drain (PostgreSQL, c50) ≤ 100 MB', rssDrain, 100, `${fmt(rssDrain, 1)} MB, of which ${split} (engine idle, before any task: ${fmt(idle, 1)} MB; NestJS, TypeORM and class-validator imported, nothing else: ${fmt(stack, 1)} MB)`, false);
    check('RSS not growing with depth (deep ≤ 1.1× shallow)', rssDeep / rssShallow, 1.1, `${fmt(rssShallow, 1)} → ${fmt(rssDeep, 1)} MB`, false);
    const heapShallow = stat(depth[0], 'heap_used_after_gc_mb').median;
    const heapDeep = stat(depth[1], 'heap_used_after_gc_mb').median;
    check('Heap kept after a drain (after GC) not growing with depth (deep ≤ 1.1× shallow)', heapDeep / heapShallow, 1.1, `${fmt(heapShallow, 1)} → ${fmt(heapDeep, 1)} MB`, false);
  }
  // Every drain and enqueue row the two databases share.
  for (const [group, setting] of [
    ['drain', 'concurrency 1'],
    ['drain', 'concurrency 50'],
    ['enqueue', 'seq'],
    ['enqueue', 'inflight50'],
    ['enqueue', 'bulk'],
  ] as const) {
    const lite = jobs(group, 'ours (SQLite)', setting);
    const pg = jobs(group, 'ours (PostgreSQL)', setting);
    check(`SQLite ${group} (${setting}) ≥ PostgreSQL`, lite / pg, 1, ratio(lite, pg));
  }
  return t;
}

function ratios(ms: Measurement[]): string {
  const jobs = (group: 'enqueue' | 'drain', system: string, setting?: string) => stat(find(ms, group, system, setting), 'jobs_per_s').median;
  const lines = ['| measure | ours (PostgreSQL) | vs raw pg | vs pg-boss | vs graphile-worker | vs BullMQ |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const mode of ['seq', 'inflight50', 'bulk']) {
    const o = jobs('enqueue', 'ours (PostgreSQL)', mode);
    lines.push(`| enqueue ${mode} | ${fmt(o)} /s | ${ratio(o, jobs('enqueue', 'raw pg', mode))} | ${ratio(o, jobs('enqueue', 'pg-boss', mode))} | ${ratio(o, jobs('enqueue', 'graphile-worker', mode))} | ${ratio(o, jobs('enqueue', 'BullMQ (Redis)', mode))} |`);
  }
  const d1 = jobs('drain', 'ours (PostgreSQL)', 'concurrency 1');
  lines.push(`| drain c1 | ${fmt(d1)} /s | ${ratio(d1, jobs('drain', 'raw pg', 'claim 1'))} | ${ratio(d1, jobs('drain', 'pg-boss', 'defaults'))} (defaults) | ${ratio(d1, jobs('drain', 'graphile-worker', 'concurrency 1'))} | ${ratio(d1, jobs('drain', 'BullMQ (Redis)', 'concurrency 1'))} |`);
  const d50 = jobs('drain', 'ours (PostgreSQL)', 'concurrency 50');
  lines.push(`| drain c50 (anchors tuned) | ${fmt(d50)} /s | ${ratio(d50, jobs('drain', 'raw pg', 'claim 50'))} | ${ratio(d50, jobs('drain', 'pg-boss', 'tuned'))} | ${ratio(d50, jobs('drain', 'graphile-worker', 'concurrency 50, tuned'))} | ${ratio(d50, jobs('drain', 'BullMQ (Redis)', 'concurrency 50'))} |`);
  lines.push(`| drain c50 (anchors' defaults) | ${fmt(d50)} /s | – | ${ratio(d50, jobs('drain', 'pg-boss', 'defaults'))} | ${ratio(d50, jobs('drain', 'graphile-worker', 'concurrency 50, defaults'))} | – |`);
  const lat = (system: string, setting?: string) => stat(find(ms, 'latency', system, setting), 'p50').median;
  const ol = lat('ours (PostgreSQL)', 'other process');
  lines.push(`| latency p50, other process (lower is better) | ${fmt(ol, 2)} ms | ${ratio(ol, lat('raw pg', 'LISTEN/NOTIFY, other process'))} | ${ratio(ol, lat('pg-boss'))} | ${ratio(ol, lat('graphile-worker'))} | ${ratio(ol, lat('BullMQ (Redis)'))} |`);
  return lines.join('\n');
}

function chart(ms: Measurement[]): string {
  const bars: Array<[string, number]> = [];
  for (const m of ms.filter((x) => x.group === 'drain' && (/concurrency 50|tuned|claim 50/.test(x.setting)) && !/defaults/.test(x.setting))) {
    bars.push([`drain · ${m.system} · ${m.setting.split(',')[0].slice(0, 28)}`, stat(m, 'jobs_per_s').median]);
  }
  for (const m of ms.filter((x) => x.group === 'enqueue' && x.setting === 'inflight50')) bars.push([`enqueue 50 in flight · ${m.system}`, stat(m, 'jobs_per_s').median]);
  const max = Math.max(1, ...bars.map(([, v]) => (Number.isFinite(v) ? v : 0)));
  const rowH = 22;
  const labelW = 380;
  const barW = 420;
  const height = bars.length * rowH + 50;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const rows = bars
    .map(([label, v], i) => {
      const y = 34 + i * rowH;
      const w = Number.isFinite(v) ? Math.max(1, (v / max) * barW) : 0;
      const ours = label.includes('ours');
      return `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(label)}</text>` +
        `<rect x="${labelW}" y="${y + 2}" width="${w.toFixed(1)}" height="16" fill="${ours ? '#2b6cb0' : '#a0aec0'}"/>` +
        `<text x="${labelW + w + 6}" y="${y + 14}" font-size="12">${Number.isFinite(v) ? Math.round(v).toLocaleString('en') : 'n/a'}/s</text>`;
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 110}" height="${height}" font-family="sans-serif">
<text x="10" y="20" font-size="14" font-weight="bold">Jobs per second (median; ours in blue)</text>
${rows}
</svg>
`;
}

/** The Markdown report and its SVG chart. */
export function renderReport(info: RunInfo, ms: Measurement[]): { markdown: string; svg: string } {
  const t = targets(ms);
  const failures = ms.flatMap((m) => m.errors.map((e) => `- ${m.group} / ${m.system} / ${m.setting}: ${e.split('\n')[0]}`));
  const markdown = `# Benchmarks: the task engine beside pg-boss, graphile-worker, BullMQ and a raw \`pg\` queue

Generated by \`npm run bench${info.quick ? ' -- --quick' : ''}\` on ${info.started_at} (finished ${info.finished_at}).
${info.quick ? '**Quick mode: one run each, smaller workloads — indicative only.**\n' : ''}
Every row ran ${info.runs} time(s) (the depth rows: as many as their \`runs\` column says), each in a fresh process on a fresh database; medians and min–max are given. Runs of the
systems compared in one table alternate (first run of each, then second of each, …), so a slow spell of the machine is shared.
Ratios compare figures measured in this same run. The machine is shared by the databases and Node (2 cores), so
run-to-run spread of ±10–30 % is normal; only differences well outside the min–max ranges mean something.

- Machine: ${info.machine.cpu}, ${info.machine.memory_gib} GiB RAM; Node ${info.machine.node}; ${info.machine.postgres}; ${info.machine.redis}
- Libraries: ${Object.entries(info.machine.versions).map(([k, v]) => `${k} ${v}`).join(', ')}
- Workload: ${info.n.toLocaleString('en')} no-op jobs per enqueue/drain run.
${info.node_flags?.length ? `- Every process (ours and the anchors) ran with \`node ${info.node_flags.join(' ')}\`, as the service does (Dockerfile, \`npm start\`).\n` : ''}${machineLines(info, ms)}

![jobs per second](./${info.quick ? 'benchmarks-quick' : 'benchmarks'}.svg)

## Targets

| target | measured | holds |
| --- | ---: | :---: |
${t.map((x) => `| ${x.name} | ${x.measured} | ${x.holds === null ? '–' : x.holds ? 'yes' : '**no**'} |`).join('\n')}

## Ratios (ours on PostgreSQL ÷ anchor; throughput: > 1 is faster)

${ratios(ms)}

## Enqueue (jobs/s)

${throughputTable(ms, 'enqueue')}

## Drain a queued backlog (one process, jobs/s; timed until every outcome is written)

${throughputTable(ms, 'drain')}

## Latency: submit → handler start (idle worker, jobs ~20 ms apart)

The row "one INSERT + commit" is not a queue: it times a single-row INSERT and its commit (a WAL flush) on the same
grid, the floor under any durable submit — a task cannot start before its row is committed.

${latencyTable(ms)}

## CPU-bound tasks (sum 1..1000)

${cpuTable(ms)}

## Depth: drain rate with a small and a huge backlog (PostgreSQL, concurrency 50, 10,000 tasks drained)

The backlog is inserted in SQL, then \`VACUUM ANALYZE\` and \`CHECKPOINT\` (as a long-standing backlog would be: no autovacuum or
checkpoint forced by the fresh rows in the middle of the drain), then drained. A drain here lasts ~0.3 s, so it runs more often than the other rows.

${depthTable(ms)}

## Memory (PostgreSQL)

What the 100 MB target is measured against: the engine's process before it runs anything already holds the
framework it is built on (NestJS, TypeORM, pg, class-validator and its validator libraries, Piscina with its worker
threads); a process that has only imported NestJS's core, TypeORM's Nest module and class-validator, and started
nothing, is the second row. Part of any Node process's RSS is pages mapped from the node binary and shared libraries (shared between
processes on the machine, counted in each one's RSS). V8 keeps the young generation it grew during the drain (it is
not given back when the process goes idle); the heap in use after a GC is the part the engine's own state could
account for.

${memoryTable(ms)}

## HTTP (autocannon against the service, an API-only process; 10 connections)

${httpTable(ms)}

## How each system was configured

- **ours**: the service's defaults; only the concurrency under test is set (\`TASK_MAX_IO_WORKERS\` = 1 or 50). No-op
  handler on the event-loop executor; submits through \`TaskManager.submit\` / \`submitMany\`. While tasks run short the
  dispatcher claims ahead by itself (claims of up to twice the concurrency, like graphile-worker's local queue; see
  docs/architecture.md) — a default, not a setting.
- **raw pg**: \`INSERT\`; claim with \`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)\`; complete with one
  \`UPDATE … WHERE id = ANY(…)\`; at concurrency 50 one loop claims 50, runs them, completes them in one statement.
  Latency: the insert sends its NOTIFY in the same statement and the listener claims on it; "one process" inserts
  from the listener's own process (awake, waiting for its insert, when the notification comes, as in the pg-boss and
  graphile-worker runs), "other process" from a second process while the listener waits idle, as our "other
  process" scenario does.
- **pg-boss ${info.machine.versions['pg-boss']}**: defaults = \`work()\` as shipped (batchSize 1, 2 s poll: poll-bound, measured over a
  15 s window); tuned = batchSize 1000, poll 0.5 s, \`burstWhenBatchFull\` (its docs' advice for throughput); latency
  with \`useListenNotify\` and a \`notify\` queue.
- **graphile-worker ${info.machine.versions['graphile-worker']}**: defaults = \`concurrency\` 1 / 50; tuned = concurrency 50 with
  \`localQueue.size\` 200 and \`completeJobBatchDelay\` 0 (its 0.17+ batching).
- **BullMQ ${info.machine.versions.bullmq}**: Redis without persistence (its writes are not fsync'd like PostgreSQL commits).
- **CPU**: raw Piscina pool of 2 with all tasks submitted at once; a new \`Worker\` per task, 2 at a time; our worker
  executor (same pool size) alone, and the whole engine (claims from the database, pool of 2).
${failures.length ? `\n## Failed runs\n\n${failures.join('\n')}\n` : ''}`;
  return { markdown, svg: chart(ms) };
}
