import type { CaseResult } from '../../test-suites/test-case.interface';
import type { ReportModel } from '../report-model.interface';

/**
 * Code points XML 1.0 does not allow (C0 controls other than tab/LF/CR, lone surrogates,
 * U+FFFE/U+FFFF) plus DEL and the C1 controls, which it only discourages: a single one of
 * the former makes CI parsers reject the whole file, so they are stripped from untrusted text.
 */
const NOT_XML = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

interface Suite {
  name: string;
  cases: CaseResult[];
}

/**
 * The report as JUnit XML for CI systems: one `<testsuite>` per operation, one `<testcase>`
 * per case; failed cases carry a `<failure>`, errored ones an `<error>`. Counts are taken
 * from the results themselves so that the file always agrees with its own test cases.
 */
export function renderJunitReport(model: ReportModel): string {
  const suites = groupByOperation(model);
  const results = model.results;
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const title = model.document.title || model.document.name;
  lines.push(`<testsuites ${attributes({ name: `API tests: ${title}`, ...counts(results) })}>`);
  const timestamp = junitTimestamp(model.run.started_at);
  for (const suite of suites) {
    lines.push(`  <testsuite ${attributes({ name: suite.name, ...counts(suite.cases), skipped: 0, timestamp })}>`);
    for (const result of suite.cases) lines.push(...testcase(result));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

function testcase(result: CaseResult): string[] {
  const open = `    <testcase ${attributes({ name: result.name, classname: result.operation_key, time: seconds(result.latency_ms) })}`;
  if (result.outcome === 'passed') return [`${open}/>`];
  const [element, message, type] =
    result.outcome === 'errored'
      ? ['error', result.error ?? 'no usable response', 'errored']
      : ['failure', result.failures.map((f) => `${f.check}: ${f.message}`).join('; ') || 'failed', result.failures[0]?.check ?? 'failed'];
  return [`${open}>`, `      <${element} ${attributes({ message, type })}>${text(details(result))}</${element}>`, '    </testcase>'];
}

/** What a CI viewer shows when the case is opened: reasons, request, response and how to reproduce it. */
function details(result: CaseResult): string {
  const out: string[] = [];
  if (result.error) out.push(`Error: ${result.error}`);
  for (const failure of result.failures) out.push(`- ${failure.check}: ${failure.message}`);
  out.push('', `Request: ${result.request.method} ${result.request.url}`);
  const response = result.response;
  if (response) {
    out.push(`Status: ${response.status}${response.content_type ? ` (${response.content_type})` : ''}`);
    out.push(`Response body${response.body_truncated ? ' (truncated)' : ''}:`, response.body_excerpt);
  } else {
    out.push('Status: no response');
  }
  out.push('', 'Reproduce:', result.curl);
  return `\n${out.join('\n')}\n`;
}

/** Operations in the summary's order, then any that only the results mention. */
function groupByOperation(model: ReportModel): Suite[] {
  const suites = new Map<string, Suite>();
  for (const op of model.summary.by_operation) suites.set(op.operation_key, { name: op.operation_key, cases: [] });
  for (const result of model.results) {
    let suite = suites.get(result.operation_key);
    if (!suite) {
      suite = { name: result.operation_key, cases: [] };
      suites.set(result.operation_key, suite);
    }
    suite.cases.push(result);
  }
  return [...suites.values()];
}

function counts(results: CaseResult[]): { tests: number; failures: number; errors: number; time: string } {
  const latency = results.reduce((sum, r) => sum + (r.latency_ms !== null && Number.isFinite(r.latency_ms) ? r.latency_ms : 0), 0);
  return {
    tests: results.length,
    failures: results.filter((r) => r.outcome === 'failed').length,
    errors: results.filter((r) => r.outcome === 'errored').length,
    time: seconds(latency),
  };
}

/** JUnit's schema wants a local date-time without zone; the run's start is written in UTC. */
function junitTimestamp(startedAt: string | null): string | undefined {
  const time = startedAt === null ? NaN : Date.parse(startedAt);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 19) : undefined;
}

function seconds(latencyMs: number | null): string {
  return latencyMs === null || !Number.isFinite(latencyMs) ? '0.000' : (Math.max(0, latencyMs) / 1000).toFixed(3);
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}="${attribute(String(value))}"`)
    .join(' ');
}

/** Whitespace is written as character references: parsers would otherwise normalise it to spaces. */
function attribute(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"'\t\n\r]/g, (ch) => ENTITIES[ch]);
}

/** `>` is escaped too, which also takes care of `]]>`, the one sequence text may not contain raw. */
function text(value: string): string {
  return value.replace(NOT_XML, '').replace(/[&<>"'\r]/g, (ch) => ENTITIES[ch]);
}
