import type { CaseResult } from '../../test-suites/test-case.interface';
import type { ReportModel } from '../report-model.interface';

/** Control characters (and the code points XML/HTML refuse) are dropped: they only garble a viewer. */
const UNPRINTABLE = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Punctuation that can start Markdown/HTML syntax inside a line: emphasis, links, inline HTML,
 * entities, code spans, strike-through and table cell breaks. CommonMark lets any ASCII
 * punctuation be backslash-escaped, so escaping these makes the text render literally.
 */
const INLINE_SYNTAX = /[\\`*_[\]<>&|~]/g;

/**
 * The report as GitHub-flavoured Markdown: summary, per-operation table, then every failed
 * or errored case with its reasons, the response excerpt and a curl command to reproduce it.
 */
export function renderMarkdownReport(model: ReportModel): string {
  const { document, run, summary } = model;
  const out: string[] = [];

  out.push(`# API test report: ${inline(document.title || document.name)}`, '');
  const version = document.api_version ? ` (version ${inline(document.api_version)})` : '';
  const specVersion = document.spec_version ? `, spec ${inline(document.spec_version)}` : '';
  out.push(`- **Document:** ${inline(document.name)}${version}${specVersion}`);
  out.push(`- **Base URL:** ${codeSpan(run.base_url)}`);
  out.push(`- **Run:** ${codeSpan(run.id)}, started ${inline(run.started_at ?? 'n/a')}, completed ${inline(run.completed_at ?? 'n/a')}`);
  out.push(`- **Generated:** ${inline(model.generated_at)} (report ${codeSpan(model.report_id)})`, '');

  out.push('## Summary', '');
  out.push('| Total | Passed | Failed | Errored | Latency p50 | Latency p95 |', '| ---: | ---: | ---: | ---: | ---: | ---: |');
  const latency = `${ms(summary.latency_ms.p50)} | ${ms(summary.latency_ms.p95)}`;
  out.push(`| ${summary.total} | ${summary.passed} | ${summary.failed} | ${summary.errored} | ${latency} |`, '');

  out.push('## Operations', '');
  if (summary.by_operation.length === 0) {
    out.push('No operations were tested.', '');
  } else {
    out.push('| Operation | Total | Passed | Failed | Errored |', '| --- | ---: | ---: | ---: | ---: |');
    for (const op of summary.by_operation) {
      out.push(`| ${inline(op.operation_key)} | ${op.total} | ${op.passed} | ${op.failed} | ${op.errored} |`);
    }
    out.push('');
  }

  out.push('## Failures', '');
  const failures = model.results.filter((result) => result.outcome !== 'passed');
  if (failures.length === 0) out.push('No failed or errored cases.', '');
  failures.forEach((result, index) => out.push(...failureSection(result, index + 1)));

  return `${out.join('\n').trimEnd()}\n`;
}

function failureSection(result: CaseResult, number: number): string[] {
  const out: string[] = [];
  out.push(`### ${number}. ${inline(result.name)} (${result.outcome === 'errored' ? 'errored' : 'failed'})`, '');
  out.push(`- **Operation:** ${inline(result.operation_key)}`);
  out.push(`- **Request:** ${codeSpan(`${result.request.method} ${result.request.url}`)}`);
  const response = result.response;
  if (response) {
    const contentType = response.content_type ? ` (${inline(response.content_type)})` : '';
    out.push(`- **Status:** ${response.status}${contentType}, latency ${ms(result.latency_ms)}`);
  } else {
    out.push('- **Status:** no response');
  }
  if (result.error) out.push(`- **Error:** ${inline(result.error)}`);
  out.push('');

  if (result.failures.length > 0) {
    out.push('Reasons:', '');
    for (const failure of result.failures) out.push(`- **${inline(failure.check)}**: ${inline(failure.message)}`);
    out.push('');
  }

  if (response) {
    if (response.body_excerpt === '') {
      out.push('The response body was empty.', '');
    } else {
      out.push(`Response body${response.body_truncated ? ' (excerpt, truncated)' : ''}:`, '');
      out.push(...fence(response.body_excerpt, languageOf(response.content_type)), '');
    }
  }

  out.push('Reproduce:', '');
  out.push(...fence(result.curl, 'sh'), '');
  return out;
}

/** Untrusted text on one line (heading, list item, table cell): line breaks flattened, syntax escaped. */
function inline(text: string): string {
  return clean(text).replace(/\s*[\r\n]+\s*/g, ' ').replace(INLINE_SYNTAX, (ch) => `\\${ch}`);
}

/**
 * Untrusted text as an inline code span. The delimiter is one backtick longer than the longest
 * run inside, so the text cannot close the span early; line breaks are flattened because a
 * blank line would end the paragraph, span or not.
 */
function codeSpan(text: string): string {
  const flat = clean(text).replace(/[\r\n]+/g, ' ');
  const delimiter = '`'.repeat(longestBacktickRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${delimiter}${pad}${flat}${pad}${delimiter}`;
}

/**
 * A fenced code block whose fence is longer than any backtick run in the text. A closing fence
 * must be at least as long as the opening one, so nothing in the text can end the block.
 */
function fence(text: string, info: string): string[] {
  const body = clean(text).replace(/\r\n?/g, '\n').replace(/\n$/, '');
  const marker = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1));
  return [`${marker}${info}`, body, marker];
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** The fence's info string comes from a fixed list: the target's content type never reaches it. */
function languageOf(contentType: string | null): string {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('json')) return 'json';
  if (type.includes('xml')) return 'xml';
  if (type.includes('html')) return 'html';
  return 'text';
}

function clean(text: string): string {
  return text.replace(UNPRINTABLE, '');
}

function ms(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : `${Math.round(value * 10) / 10} ms`;
}
