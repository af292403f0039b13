import { Eta } from 'eta';
import type { CaseResult, RunSummary } from '../../test-suites/test-case.interface';
import type { ReportModel } from '../report-model.interface';

/** Control characters (and the code points HTML calls parse errors) only garble the page, so they are dropped. */
const UNPRINTABLE = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

type Outcome = CaseResult['outcome'];

interface NameValue {
  name: string;
  value: string;
}

interface ChartView {
  width: number;
  height: number;
  /** The plot area's edges and centre. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  centerX: number;
  centerY: number;
  empty: boolean;
  description: string;
  bars: Array<{ x: number; y: number; width: number; height: number; label: string }>;
  xTicks: Array<{ x: number; label: string }>;
  yTicks: Array<{ y: number; label: string }>;
  markers: Array<{ x: number; labelX: number; labelY: number; anchor: 'start' | 'end'; label: string; className: 'p50' | 'p95' }>;
}

interface FailureView {
  anchor: string;
  number: number;
  name: string;
  operation: string;
  kind: string;
  outcome: Outcome;
  latency: string;
  error: string | null;
  reasons: Array<{ check: string; message: string }>;
  method: string;
  url: string;
  requestHeaders: NameValue[];
  requestBody: string | null;
  response: { status: string; contentType: string; headers: NameValue[]; body: string; truncated: boolean } | null;
  curl: string;
}

interface PageView {
  title: string;
  apiVersion: string | null;
  documentName: string;
  specVersion: string | null;
  baseUrl: string;
  runId: string;
  startedAt: string;
  completedAt: string;
  duration: string;
  generatedAt: string;
  reportId: string;
  runHeaders: NameValue[];
  cards: Array<{ label: string; value: string; className: 'neutral' | Outcome }>;
  operations: Array<{ key: string; total: number; passed: number; failed: number; errored: number; bar: Record<Outcome, number> }>;
  chart: ChartView;
  failures: FailureView[];
  cases: Array<{ number: number; outcome: Outcome; name: string; operation: string; status: string; latency: string; anchor: string | null }>;
}

/**
 * The page. Every interpolation uses `<%= %>` (escaped); the raw tag `<%~ %>` is never used, so
 * no untrusted string can become markup. Class names and anchors come from fixed values or
 * counters, never from the model. The CSP meta tag is a second line of defence: even injected
 * markup could not run a script or load anything.
 */
const PAGE_TEMPLATE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>API test report: <%= it.title %></title>
<style>
:root { --passed: #1a7f37; --failed: #cf222e; --errored: #b35900; --muted: #57606a; --border: #d0d7de; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fff; }
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
h3 { font-size: 15px; margin: 0 0 8px; overflow-wrap: anywhere; }
h4 { font-size: 13px; margin: 12px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.muted { color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg-soft); border: 1px solid var(--border); border-radius: 6px; padding: 8px 10px; margin: 4px 0;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 360px; overflow: auto; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px; border-top-width: 4px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .value { font-size: 24px; font-weight: 600; }
.card.passed { border-top-color: var(--passed); } .card.passed .value { color: var(--passed); }
.card.failed { border-top-color: var(--failed); } .card.failed .value { color: var(--failed); }
.card.errored { border-top-color: var(--errored); } .card.errored .value { color: var(--errored); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--bg-soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.bar { display: flex; height: 10px; min-width: 120px; border-radius: 3px; overflow: hidden; background: var(--bg-soft); }
.bar span { display: block; height: 100%; }
.bar .passed { background: var(--passed); } .bar .failed { background: var(--failed); } .bar .errored { background: var(--errored); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; }
.badge.passed { background: var(--passed); } .badge.failed { background: var(--failed); } .badge.errored { background: var(--errored); }
.failure { border: 1px solid var(--border); border-left: 4px solid var(--failed); border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
.failure.errored { border-left-color: var(--errored); }
.failure ul { margin: 4px 0; padding-left: 20px; }
.failure table { font-size: 12px; }
.chart { width: 100%; max-width: 720px; height: auto; display: block; }
.chart .axis { stroke: #57606a; stroke-width: 1; }
.chart .grid { stroke: #d0d7de; stroke-width: 1; stroke-dasharray: 2 3; }
.chart .bar { fill: #0969da; }
.chart text { font: 11px system-ui, sans-serif; fill: #57606a; }
.chart .title { font-size: 12px; fill: #1f2328; }
.chart .p50 { stroke: #8250df; fill: #8250df; }
.chart .p95 { stroke: #bf3989; fill: #bf3989; }
.chart line.p50, .chart line.p95 { stroke-width: 2; stroke-dasharray: 5 3; }
.chart text.p50, .chart text.p95 { stroke: none; font-weight: 600; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
</style>
</head>
<body>
<main>
<header>
  <h1>API test report: <%= it.title %></h1>
  <div class="muted">
    <% if (it.apiVersion) { %>Version <%= it.apiVersion %> · <% } %><%= it.documentName %>
    <% if (it.specVersion) { %> · spec <%= it.specVersion %><% } %>
  </div>
  <dl class="meta">
    <dt>Base URL</dt><dd><code><%= it.baseUrl %></code></dd>
    <dt>Run</dt><dd><code><%= it.runId %></code></dd>
    <dt>Started</dt><dd><%= it.startedAt %></dd>
    <dt>Completed</dt><dd><%= it.completedAt %></dd>
    <dt>Duration</dt><dd><%= it.duration %></dd>
  </dl>
  <% if (it.runHeaders.length > 0) { %>
  <details>
    <summary>Run request headers (secrets masked)</summary>
    <table><thead><tr><th>Header</th><th>Value</th></tr></thead><tbody>
    <% it.runHeaders.forEach(function (h) { %>
      <tr><td><code><%= h.name %></code></td><td><code><%= h.value %></code></td></tr>
    <% }) %>
    </tbody></table>
  </details>
  <% } %>
</header>

<section>
  <h2>Summary</h2>
  <div class="cards">
  <% it.cards.forEach(function (c) { %>
    <div class="card <%= c.className %>"><div class="label"><%= c.label %></div><div class="value"><%= c.value %></div></div>
  <% }) %>
  </div>
</section>

<section>
  <h2>Operations</h2>
  <% if (it.operations.length === 0) { %>
  <p class="muted">No operations were tested.</p>
  <% } else { %>
  <table>
    <thead><tr>
      <th>Operation</th><th class="num">Total</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Errored</th><th>Result</th>
    </tr></thead>
    <tbody>
    <% it.operations.forEach(function (op) { %>
      <tr><td><code><%= op.key %></code></td><td class="num"><%= op.total %></td><td class="num"><%= op.passed %></td>
        <td class="num"><%= op.failed %></td><td class="num"><%= op.errored %></td>
        <td><div class="bar">
          <span class="passed" style="width: <%= op.bar.passed %>%"></span>
          <span class="failed" style="width: <%= op.bar.failed %>%"></span>
          <span class="errored" style="width: <%= op.bar.errored %>%"></span>
        </div></td></tr>
    <% }) %>
    </tbody>
  </table>
  <% } %>
</section>

<section>
  <h2>Latency</h2>
  <% var c = it.chart; %>
  <svg class="chart" viewBox="0 0 <%= c.width %> <%= c.height %>" width="<%= c.width %>" height="<%= c.height %>"
    role="img" aria-labelledby="latency-chart-title">
    <title id="latency-chart-title"><%= c.description %></title>
    <% c.yTicks.forEach(function (t) { %>
    <line class="grid" x1="<%= c.left %>" y1="<%= t.y %>" x2="<%= c.right %>" y2="<%= t.y %>"/>
    <text x="<%= c.left - 6 %>" y="<%= t.y + 4 %>" text-anchor="end"><%= t.label %></text>
    <% }) %>
    <% c.bars.forEach(function (b) { %>
    <rect class="bar" x="<%= b.x %>" y="<%= b.y %>" width="<%= b.width %>" height="<%= b.height %>"><title><%= b.label %></title></rect>
    <% }) %>
    <line class="axis" x1="<%= c.left %>" y1="<%= c.bottom %>" x2="<%= c.right %>" y2="<%= c.bottom %>"/>
    <line class="axis" x1="<%= c.left %>" y1="<%= c.top %>" x2="<%= c.left %>" y2="<%= c.bottom %>"/>
    <% c.xTicks.forEach(function (t) { %>
    <line class="axis" x1="<%= t.x %>" y1="<%= c.bottom %>" x2="<%= t.x %>" y2="<%= c.bottom + 4 %>"/>
    <text x="<%= t.x %>" y="<%= c.bottom + 16 %>" text-anchor="middle"><%= t.label %></text>
    <% }) %>
    <% c.markers.forEach(function (m) { %>
    <line class="<%= m.className %>" x1="<%= m.x %>" y1="<%= c.top %>" x2="<%= m.x %>" y2="<%= c.bottom %>"/>
    <text class="<%= m.className %>" x="<%= m.labelX %>" y="<%= m.labelY %>" text-anchor="<%= m.anchor %>"><%= m.label %></text>
    <% }) %>
    <% if (c.empty) { %>
    <text x="<%= c.centerX %>" y="<%= c.centerY %>" text-anchor="middle">No latency data</text>
    <% } %>
    <text class="title" x="<%= c.centerX %>" y="<%= c.height - 6 %>" text-anchor="middle">Latency (ms)</text>
    <text class="title" x="14" y="<%= c.centerY %>" text-anchor="middle" transform="rotate(-90 14 <%= c.centerY %>)">Cases</text>
  </svg>
</section>

<section>
  <h2>Failures</h2>
  <% if (it.failures.length === 0) { %>
  <p class="muted">No failed or errored cases.</p>
  <% } %>
  <% it.failures.forEach(function (f) { %>
  <article class="failure <%= f.outcome %>" id="<%= f.anchor %>">
    <h3><%= f.number %>. <%= f.name %> <span class="badge <%= f.outcome %>"><%= f.outcome %></span></h3>
    <div class="muted"><code><%= f.operation %></code> · <%= f.kind %> case · latency <%= f.latency %></div>
    <% if (f.error) { %>
    <h4>Error</h4>
    <pre><%= f.error %></pre>
    <% } %>
    <% if (f.reasons.length > 0) { %>
    <h4>Reasons</h4>
    <ul>
    <% f.reasons.forEach(function (r) { %>
      <li><code><%= r.check %></code>: <%= r.message %></li>
    <% }) %>
    </ul>
    <% } %>
    <h4>Request</h4>
    <pre><%= f.method %> <%= f.url %></pre>
    <% if (f.requestHeaders.length > 0) { %>
    <table><thead><tr><th>Header</th><th>Value</th></tr></thead><tbody>
    <% f.requestHeaders.forEach(function (h) { %>
      <tr><td><code><%= h.name %></code></td><td><code><%= h.value %></code></td></tr>
    <% }) %>
    </tbody></table>
    <% } %>
    <% if (f.requestBody !== null) { %>
    <div class="muted">Body</div>
    <pre><%= f.requestBody %></pre>
    <% } %>
    <h4>Response</h4>
    <% if (f.response) { %>
    <div>Status <strong><%= f.response.status %></strong> · <code><%= f.response.contentType %></code></div>
    <% if (f.response.headers.length > 0) { %>
    <details>
      <summary>Response headers</summary>
      <table><thead><tr><th>Header</th><th>Value</th></tr></thead><tbody>
      <% f.response.headers.forEach(function (h) { %>
        <tr><td><code><%= h.name %></code></td><td><code><%= h.value %></code></td></tr>
      <% }) %>
      </tbody></table>
    </details>
    <% } %>
    <pre><%= f.response.body %></pre>
    <% if (f.response.truncated) { %>
    <div class="muted">Body truncated.</div>
    <% } %>
    <% } else { %>
    <p class="muted">No response.</p>
    <% } %>
    <h4>Reproduce</h4>
    <pre><%= f.curl %></pre>
  </article>
  <% }) %>
</section>

<section>
  <h2>All cases</h2>
  <% if (it.cases.length === 0) { %>
  <p class="muted">The run has no results.</p>
  <% } else { %>
  <table>
    <thead><tr>
      <th class="num">#</th><th>Outcome</th><th>Name</th><th>Operation</th><th class="num">Status</th><th class="num">Latency</th>
    </tr></thead>
    <tbody>
    <% it.cases.forEach(function (k) { %>
      <tr><td class="num"><%= k.number %></td><td><span class="badge <%= k.outcome %>"><%= k.outcome %></span></td>
        <td><% if (k.anchor) { %><a href="#<%= k.anchor %>"><%= k.name %></a><% } else { %><%= k.name %><% } %></td>
        <td><code><%= k.operation %></code></td><td class="num"><%= k.status %></td><td class="num"><%= k.latency %></td></tr>
    <% }) %>
    </tbody>
  </table>
  <% } %>
</section>

<footer>Report <code><%= it.reportId %></code>, generated <%= it.generatedAt %>.</footer>
</main>
</body>
</html>
`;

const eta = new Eta({
  autoEscape: true,
  // Eta's own escaping plus dropping unprintable characters, applied to every `<%= %>`.
  escapeFunction: (value: unknown) => clean(String(value)).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]),
  useWith: false,
  cache: false,
  views: undefined,
});

/** Compiled once per thread: rendering a report is then a plain function call. */
const page = eta.compile(PAGE_TEMPLATE);

/**
 * The report as one self-contained HTML5 page: inline CSS, an inline SVG latency histogram,
 * no script and nothing loaded from elsewhere, so it can be opened offline or attached to a ticket.
 */
export function renderHtmlReport(model: ReportModel): string {
  return eta.render(page, pageView(model));
}

function pageView(model: ReportModel): PageView {
  const { document, run, summary, results } = model;
  const failures: FailureView[] = [];
  const cases: PageView['cases'] = results.map((result, index) => {
    let anchor: string | null = null;
    if (result.outcome !== 'passed') {
      anchor = `failure-${failures.length + 1}`;
      failures.push(failureView(result, failures.length + 1, anchor));
    }
    return {
      number: index + 1,
      outcome: outcomeOf(result),
      name: result.name,
      operation: result.operation_key,
      status: result.response ? String(result.response.status) : '—',
      latency: ms(result.latency_ms),
      anchor,
    };
  });
  return {
    title: document.title || document.name,
    apiVersion: document.api_version,
    documentName: document.name,
    specVersion: document.spec_version,
    baseUrl: run.base_url,
    runId: run.id,
    startedAt: run.started_at ?? '—',
    completedAt: run.completed_at ?? '—',
    duration: duration(run.started_at, run.completed_at),
    generatedAt: model.generated_at,
    reportId: model.report_id,
    runHeaders: nameValues(run.headers),
    cards: [
      { label: 'Total', value: String(summary.total), className: 'neutral' },
      { label: 'Passed', value: String(summary.passed), className: 'passed' },
      { label: 'Failed', value: String(summary.failed), className: 'failed' },
      { label: 'Errored', value: String(summary.errored), className: 'errored' },
      { label: 'Latency p50', value: ms(summary.latency_ms.p50), className: 'neutral' },
      { label: 'Latency p95', value: ms(summary.latency_ms.p95), className: 'neutral' },
    ],
    operations: summary.by_operation.map((op) => ({
      key: op.operation_key,
      total: op.total,
      passed: op.passed,
      failed: op.failed,
      errored: op.errored,
      bar: { passed: percent(op.passed, op.total), failed: percent(op.failed, op.total), errored: percent(op.errored, op.total) },
    })),
    chart: latencyChart(results, summary),
    failures,
    cases,
  };
}

function failureView(result: CaseResult, number: number, anchor: string): FailureView {
  const response = result.response;
  return {
    anchor,
    number,
    name: result.name,
    operation: result.operation_key,
    kind: result.kind === 'negative' ? 'negative' : 'positive',
    outcome: outcomeOf(result),
    latency: ms(result.latency_ms),
    error: result.error ?? null,
    reasons: result.failures.map((f) => ({ check: f.check, message: f.message })),
    method: result.request.method,
    url: result.request.url,
    requestHeaders: nameValues(result.request.headers),
    requestBody: result.request.body_excerpt,
    response: response
      ? {
          status: String(response.status),
          contentType: response.content_type ?? '(none)',
          headers: nameValues(response.headers),
          body: response.body_excerpt === '' ? '(empty body)' : response.body_excerpt,
          truncated: response.body_truncated,
        }
      : null,
    curl: result.curl,
  };
}

const PLOT = { width: 640, height: 260, left: 52, right: 624, top: 24, bottom: 214 };
const CHART = { ...PLOT, centerX: (PLOT.left + PLOT.right) / 2, centerY: (PLOT.top + PLOT.bottom) / 2 };
const BUCKETS = 10;

/**
 * A histogram of the cases' latencies in {@link BUCKETS} equal buckets from 0, with the
 * summary's p50/p95 drawn as lines. Only numbers computed here reach the SVG attributes;
 * without any latency the axes are drawn empty so the markup stays valid.
 */
function latencyChart(results: CaseResult[], summary: RunSummary): ChartView {
  const latencies = results.map((r) => r.latency_ms).filter((v): v is number => v !== null && Number.isFinite(v) && v >= 0);
  const base: ChartView = { ...CHART, empty: true, description: 'Latency histogram: no latency data', bars: [], xTicks: [], yTicks: [], markers: [] };
  if (latencies.length === 0) return base;

  const { p50, p95 } = summary.latency_ms;
  const marks = [p50, p95].filter((v): v is number => v !== null && Number.isFinite(v) && v >= 0);
  const max = [...latencies, ...marks].reduce((a, b) => Math.max(a, b), 0);
  // Whole milliseconds at least: sub-millisecond buckets only add noise to the labels.
  const step = Math.max(1, niceStep(max / BUCKETS));
  const domain = step * BUCKETS;
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const v of latencies) counts[Math.min(BUCKETS - 1, Math.floor(v / step))] += 1;
  const maxCount = Math.max(...counts);

  const plotWidth = CHART.right - CHART.left;
  const plotHeight = CHART.bottom - CHART.top;
  const x = (v: number): number => round(CHART.left + (Math.min(v, domain) / domain) * plotWidth);
  const y = (count: number): number => round(CHART.bottom - (count / maxCount) * plotHeight);
  const slot = plotWidth / BUCKETS;

  const bars = counts.map((count, i) => ({
    x: round(CHART.left + i * slot + 1),
    y: y(count),
    width: round(slot - 2),
    height: round(CHART.bottom - y(count)),
    label: `${count} ${count === 1 ? 'case' : 'cases'}, ${number(i * step)}–${number((i + 1) * step)} ms`,
  }));
  const xTicks = Array.from({ length: BUCKETS / 2 + 1 }, (_, i) => ({ x: x(i * 2 * step), label: number(i * 2 * step) }));
  const yTicks = [...new Set([0, Math.round(maxCount / 2), maxCount])].map((count) => ({ y: y(count), label: String(count) }));
  const marker = (value: number, className: 'p50' | 'p95', labelY: number): ChartView['markers'][number] => {
    // Labels on the right half grow leftwards so they stay inside the drawing.
    const at = x(value);
    const leftwards = at > CHART.centerX;
    const label = `${className} ${ms(value)}`;
    return { x: at, labelX: leftwards ? at - 4 : at + 4, labelY, anchor: leftwards ? 'end' : 'start', label, className };
  };
  const markers: ChartView['markers'] = [];
  // p95 is labelled a line lower so that the two labels stay readable when the values are close.
  if (p50 !== null && marks.includes(p50)) markers.push(marker(p50, 'p50', CHART.top - 8));
  if (p95 !== null && marks.includes(p95)) markers.push(marker(p95, 'p95', CHART.top + 6));
  const cases = `${latencies.length} ${latencies.length === 1 ? 'case' : 'cases'}`;
  const description = `Latency histogram of ${cases} in ${BUCKETS} buckets of ${number(step)} ms`;
  return { ...base, empty: false, description, bars, xTicks, yTicks, markers };
}

/** The smallest 1, 2 or 5 × 10ⁿ that is at least `raw`, so the axis labels are round numbers. */
function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * magnitude >= raw) return factor * magnitude;
  return 10 * magnitude;
}

/** The outcome as one of the three values the CSS knows: it ends up in class attributes. */
function outcomeOf(result: CaseResult): Outcome {
  return result.outcome === 'passed' || result.outcome === 'failed' ? result.outcome : 'errored';
}

function nameValues(headers: Record<string, string>): NameValue[] {
  return Object.entries(headers).map(([name, value]) => ({ name, value: String(value) }));
}

function duration(startedAt: string | null, completedAt: string | null): string {
  if (!startedAt || !completedAt) return '—';
  const elapsed = Date.parse(completedAt) - Date.parse(startedAt);
  if (!Number.isFinite(elapsed) || elapsed < 0) return '—';
  return elapsed >= 10_000 ? `${round(elapsed / 1000)} s` : ms(elapsed);
}

function ms(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '—' : `${Math.round(value * 10) / 10} ms`;
}

function percent(part: number, total: number): number {
  return total > 0 && Number.isFinite(part) ? round((Math.max(0, part) / total) * 100) : 0;
}

function number(value: number): string {
  return String(Number(value.toPrecision(6)));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function clean(text: string): string {
  return text.replace(UNPRINTABLE, '');
}
