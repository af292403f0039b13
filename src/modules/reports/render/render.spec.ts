import { execFileSync } from 'node:child_process';
import type { CaseResult } from '../../test-suites/test-case.interface';
import type { ReportModel } from '../report-model.interface';
import {
  curlCommand,
  renderHtmlReport,
  renderJsonReport,
  renderJunitReport,
  renderMarkdownReport,
  renderReport,
  type ReportFormat,
} from './index';

const BASE_URL = 'http://api.test:8080/v1';
const HOSTILE = `</pre><script>alert("x")</script><img src=x onerror=alert(1)> ]]> & \u0007 it's`;
/** The body also tries to close a Markdown fence and start a heading of its own. */
const HOSTILE_BODY = `${HOSTILE}\n\`\`\`\n# injected heading\n\`\`\`\`\`\n<!-- end`;
const UNPRINTABLE = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function result(partial: Partial<CaseResult> & Pick<CaseResult, 'case_id' | 'operation_key' | 'name' | 'outcome'>): CaseResult {
  const request = partial.request ?? { method: 'GET', url: `${BASE_URL}/pets`, headers: { accept: 'application/json' }, body_excerpt: null };
  return {
    kind: 'positive',
    failures: [],
    latency_ms: 10,
    response: { status: 200, content_type: 'application/json', headers: {}, body_excerpt: '[]', body_truncated: false },
    ...partial,
    request,
    curl: partial.curl ?? curlCommand({ ...request, body: request.body_excerpt }),
  };
}

function fixture(): ReportModel {
  const hostileRequest = {
    method: 'GET',
    url: `${BASE_URL}/search?q=it's`,
    headers: { accept: 'application/json', 'x-trace': HOSTILE, authorization: 'Bearer ****' },
    body_excerpt: null,
  };
  const results: CaseResult[] = [
    result({ case_id: 'GET /pets#1', operation_key: 'GET /pets', name: 'list pets', outcome: 'passed', latency_ms: 12 }),
    result({
      case_id: 'POST /pets#1',
      operation_key: 'POST /pets',
      name: 'create pet',
      outcome: 'failed',
      latency_ms: 340,
      failures: [
        { check: 'response_schema_conformance', message: 'response body: must have required property "id"' },
        { check: 'status_code_conformance', message: 'status 500 is not documented (expected 201)' },
      ],
      request: { method: 'POST', url: `${BASE_URL}/pets`, headers: { 'content-type': 'application/json' }, body_excerpt: '{"name":"Rex"}' },
      response: {
        status: 500,
        content_type: 'application/json',
        headers: { 'x-request-id': 'abc' },
        body_excerpt: '{"error":"boom"}',
        body_truncated: false,
      },
    }),
    result({
      case_id: 'GET /pets/{petId}#1',
      operation_key: 'GET /pets/{petId}',
      name: 'get pet',
      outcome: 'errored',
      latency_ms: null,
      error: 'connect ECONNREFUSED',
      response: null,
      request: { method: 'GET', url: `${BASE_URL}/pets/1`, headers: {}, body_excerpt: null },
    }),
    result({
      case_id: 'GET /search#1',
      operation_key: 'GET /search',
      name: `search ${HOSTILE}`,
      kind: 'negative',
      outcome: 'failed',
      latency_ms: 120,
      failures: [{ check: 'negative_data_rejection', message: `accepted ${HOSTILE}` }],
      request: hostileRequest,
      response: { status: 200, content_type: 'text/html', headers: { 'x-evil': HOSTILE }, body_excerpt: HOSTILE_BODY, body_truncated: true },
    }),
  ];
  return {
    report_id: 'rep-1',
    generated_at: '2025-01-02T03:04:10.000Z',
    document: { id: 'doc-1', name: 'petstore.yaml', title: `Petstore ${HOSTILE}`, api_version: '1.0.0', spec_version: '3.1.0' },
    run: {
      id: 'run-1',
      base_url: BASE_URL,
      started_at: '2025-01-02T03:04:05.000Z',
      completed_at: '2025-01-02T03:04:07.500Z',
      headers: { authorization: 'Bearer ****' },
    },
    summary: {
      total: 4,
      passed: 1,
      failed: 2,
      errored: 1,
      latency_ms: { p50: 120, p95: 337.5, max: 340 },
      by_operation: [
        { operation_key: 'GET /pets', total: 1, passed: 1, failed: 0, errored: 0 },
        { operation_key: 'POST /pets', total: 1, passed: 0, failed: 1, errored: 0 },
        { operation_key: 'GET /pets/{petId}', total: 1, passed: 0, failed: 0, errored: 1 },
        { operation_key: 'GET /search', total: 1, passed: 0, failed: 1, errored: 0 },
      ],
    },
    results,
  };
}

function emptyModel(): ReportModel {
  const model = fixture();
  return {
    ...model,
    summary: { total: 0, passed: 0, failed: 0, errored: 0, latency_ms: { p50: null, p95: null, max: null }, by_operation: [] },
    results: [],
  };
}

const escapeHtml = (text: string): string =>
  text.replace(UNPRINTABLE, '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);

/** Runs the command with `curl` swapped for printf, so bash shows the argument words it would pass. */
function shellWords(command: string): string[] {
  const output = execFileSync('bash', ['-c', command.replace(/^curl /, `printf '%s\\0' `)], { encoding: 'utf8' });
  return output.split('\0').slice(0, -1);
}

describe('curlCommand', () => {
  it('writes a simple request exactly', () => {
    expect(curlCommand({ method: 'GET', url: 'http://api.test/pets?tag=a', headers: { accept: 'application/json' } })).toBe(
      `curl -sS -g -X GET 'http://api.test/pets?tag=a' -H 'accept: application/json'`,
    );
  });

  it('escapes single quotes in the URL, headers and body', () => {
    const command = curlCommand({
      method: 'POST',
      url: "http://api.test/it's",
      headers: { 'content-type': 'application/json', 'x-note': "a'b" },
      body: `{"name":"O'Brien $(id) \`id\`"}`,
    });
    expect(command).toBe(
      `curl -sS -g -X POST 'http://api.test/it'\\''s' -H 'content-type: application/json' -H 'x-note: a'\\''b' ` +
        `--data-raw '{"name":"O'\\''Brien $(id) \`id\`"}'`,
    );
    expect(shellWords(command)).toEqual([
      '-sS',
      '-g',
      '-X',
      'POST',
      "http://api.test/it's",
      '-H',
      'content-type: application/json',
      '-H',
      "x-note: a'b",
      '--data-raw',
      `{"name":"O'Brien $(id) \`id\`"}`,
    ]);
  });

  it('keeps hostile text as single words for the shell', () => {
    const request = { method: 'GET', url: `${BASE_URL}/x`, headers: { 'x-trace': `${HOSTILE}\n; rm -rf /` }, body: "'; echo pwned; '" };
    const words = shellWords(curlCommand(request));
    expect(words).toEqual(['-sS', '-g', '-X', 'GET', `${BASE_URL}/x`, '-H', `x-trace: ${HOSTILE}\n; rm -rf /`, '--data-raw', "'; echo pwned; '"]);
  });

  it('handles HEAD, empty header values, odd methods and URLs that look like options', () => {
    expect(curlCommand({ method: 'HEAD', url: 'http://a/', headers: { 'x-empty': '' } })).toBe(`curl -sS -g -I 'http://a/' -H 'x-empty;'`);
    expect(curlCommand({ method: 'GET;id', url: '-o/tmp/x', headers: {}, body: '' })).toBe(`curl -sS -g -X 'GET;id' --url '-o/tmp/x' --data-raw ''`);
  });
});

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(fixture());
  const tags = html.match(/<[A-Za-z][^>]*>/g) ?? [];

  it('renders no script, no event handlers and nothing loaded from elsewhere', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<(link|iframe|object|embed|base|form)\b/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('\u0007');
    for (const tag of tags) {
      expect(tag).not.toMatch(/\s(src|on[a-z]+|srcset|xlink:href|action|formaction)\s*=/i);
      const href = /\shref="([^"]*)"/.exec(tag);
      if (href) expect(href[1]).toMatch(/^#failure-\d+$/);
    }
    // The only URLs are the run's base URL and request URLs, as text.
    for (const url of html.match(/https?:\/\/[^\s<>"'&]+/g) ?? []) expect(url.startsWith(BASE_URL)).toBe(true);
  });

  it('shows the header, the summary cards and the per-operation table', () => {
    expect(html).toContain('<title>API test report: Petstore &lt;/pre&gt;');
    expect(html).toContain(BASE_URL);
    expect(html).toContain('Version 1.0.0');
    expect(html).toContain('<dt>Duration</dt><dd>2500 ms</dd>');
    const cards = [['Total', '4'], ['Passed', '1'], ['Failed', '2'], ['Errored', '1'], ['Latency p50', '120 ms'], ['Latency p95', '337.5 ms']];
    for (const [label, value] of cards) {
      expect(html).toContain(`<div class="label">${label}</div><div class="value">${value}</div>`);
    }
    const row = /<tr><td><code>GET \/pets\/\{petId\}<\/code><\/td>(?:\s*<td class="num">(\d+)<\/td>){4}/.exec(html);
    expect(row?.[0].match(/\d+(?=<\/td>)/g)).toEqual(['1', '0', '0', '1']);
  });

  it('draws the latency histogram with the percentiles marked', () => {
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain('<svg');
    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(10);
    expect(svg).toContain('p50 120 ms');
    expect(svg).toContain('p95 337.5 ms');
    expect(svg).toContain('Latency (ms)');
  });

  it('details every failed or errored case, with its curl command', () => {
    const model = fixture();
    const failures = model.results.filter((r) => r.outcome !== 'passed');
    expect(html.match(/<article class="failure /g)).toHaveLength(failures.length);
    for (const failure of failures) expect(html).toContain(`<pre>${escapeHtml(failure.curl)}</pre>`);
    expect(html).toContain('<code>response_schema_conformance</code>: response body: must have required property &quot;id&quot;');
    expect(html).toContain('<code>status_code_conformance</code>');
    expect(html).toContain('connect ECONNREFUSED');
    expect(html).toContain('<td><code>x-trace</code></td>');
    expect(html).toContain(`<pre>${escapeHtml(HOSTILE_BODY)}</pre>`);
    expect(html).toContain('<span class="badge errored">errored</span>');
  });

  it('stays valid without results or latencies', () => {
    const empty = renderHtmlReport(emptyModel());
    expect(empty).toContain('<svg');
    expect(empty).toContain('No latency data');
    expect(empty).toContain('</svg>');
    expect(empty).not.toMatch(/NaN|Infinity|undefined|null/);

    const model = fixture();
    const noLatency = renderHtmlReport({
      ...model,
      summary: { ...model.summary, latency_ms: { p50: null, p95: null, max: null } },
      results: model.results.map((r) => ({ ...r, latency_ms: null })),
    });
    expect(noLatency).toContain('No latency data');
    expect(noLatency).not.toMatch(/NaN|Infinity/);

    const allZero = renderHtmlReport({
      ...model,
      summary: { ...model.summary, latency_ms: { p50: 0, p95: 0, max: 0 } },
      results: model.results.map((r) => ({ ...r, latency_ms: 0 })),
    });
    expect(allZero).not.toMatch(/NaN|Infinity/);
    expect(allZero).toContain('<title>4 cases, 0–1 ms</title>');
  });
});

/** The fenced code blocks of a Markdown text and the lines outside them (CommonMark's fence rules). */
function fences(markdown: string): { blocks: Array<{ info: string; content: string }>; outside: string[]; unclosed: boolean } {
  const blocks: Array<{ info: string; content: string }> = [];
  const outside: string[] = [];
  let open: { marker: string; info: string; lines: string[] } | null = null;
  for (const line of markdown.split('\n')) {
    if (!open) {
      const start = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
      if (start && !(start[1].startsWith('`') && start[2].includes('`'))) open = { marker: start[1], info: start[2].trim(), lines: [] };
      else outside.push(line);
    } else {
      const end = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (end && end[1][0] === open.marker[0] && end[1].length >= open.marker.length) {
        blocks.push({ info: open.info, content: open.lines.join('\n') });
        open = null;
      } else {
        open.lines.push(line);
      }
    }
  }
  return { blocks, outside, unclosed: open !== null };
}

describe('renderMarkdownReport', () => {
  const model = fixture();
  const markdown = renderMarkdownReport(model);
  const { blocks, outside, unclosed } = fences(markdown);

  it('has the summary numbers and the per-operation table', () => {
    expect(markdown).toContain('| 4 | 1 | 2 | 1 | 120 ms | 337.5 ms |');
    expect(markdown).toContain('| GET /pets/{petId} | 1 | 0 | 0 | 1 |');
    expect(markdown).toContain('## Failures');
  });

  it('gives every failed or errored case its reasons and a curl command in a sh fence', () => {
    const failures = model.results.filter((r) => r.outcome !== 'passed');
    for (const failure of failures) {
      expect(blocks).toContainEqual({ info: 'sh', content: failure.curl.replace(UNPRINTABLE, '') });
    }
    expect(markdown.match(/^### \d+\. /gm)).toHaveLength(failures.length);
    expect(markdown).toContain('- **response\\_schema\\_conformance**: response body: must have required property "id"');
    expect(markdown).toContain('- **Error:** connect ECONNREFUSED');
    expect(markdown).toContain('- **Request:** `POST http://api.test:8080/v1/pets`');
  });

  it('keeps hostile text inside its fence and escapes it outside', () => {
    expect(unclosed).toBe(false);
    expect(blocks).toContainEqual({ info: 'html', content: HOSTILE_BODY.replace(UNPRINTABLE, '') });
    expect(outside).not.toContain('# injected heading');
    for (const line of outside) {
      expect(line).not.toMatch(/(^|[^\\])[<`]\/?(script|img|pre)/i);
      expect(line).not.toContain('\u0007');
    }
    const title = String.raw`# API test report: Petstore \</pre\>\<script\>alert("x")\</script\>\<img src=x onerror=alert(1)\> \]\]\> \&  it's`;
    expect(markdown).toContain(`${title}\n`);
  });
});

/**
 * A small well-formedness check, enough for output we generate ourselves: a prolog, balanced
 * tags, quoted attributes without `<` or bare `&`, text without `<` or bare `&`, one root.
 */
function assertWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  expect(xml).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u);
  const body = xml.slice(xml.indexOf('?>') + 2);
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const reference = /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: string[] = [];
  let roots = 0;
  let match: RegExpExecArray | null;
  let position = 0;
  while ((match = token.exec(body)) !== null) {
    position = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = match;
    if (text !== undefined) {
      if (stack.length === 0) expect(text.trim()).toBe('');
      expect(text).not.toMatch(reference);
      expect(text).not.toContain('>');
      continue;
    }
    expect(attrs).not.toMatch(reference);
    const names = [...attrs.matchAll(/([A-Za-z_][\w.-]*)=/g)].map((m) => m[1]);
    expect(new Set(names).size).toBe(names.length);
    if (closing) {
      expect(stack.pop()).toBe(name);
    } else {
      if (stack.length === 0) roots += 1;
      if (!selfClosing) stack.push(name);
    }
  }
  expect(position).toBe(body.length);
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('renderJunitReport', () => {
  const xml = renderJunitReport(fixture());

  it('is well-formed XML with the run totals', () => {
    assertWellFormedXml(xml);
    expect(xml).toMatch(/<testsuites name="[^"]*" tests="4" failures="2" errors="1" time="0.472">/);
    expect(xml.match(/<testsuite /g)).toHaveLength(4);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('<testsuite name="GET /pets/{petId}" tests="1" failures="0" errors="1" time="0.000" skipped="0"');
    expect(xml).toContain('<testcase name="create pet" classname="POST /pets" time="0.340">');
    expect(xml).toContain('<testcase name="get pet" classname="GET /pets/{petId}" time="0.000">');
    expect(xml).toContain('timestamp="2025-01-02T03:04:05"');
  });

  it('reports failures and errors with their details', () => {
    expect(xml).toContain(
      '<failure message="response_schema_conformance: response body: must have required property &quot;id&quot;; status_code_conformance:',
    );
    expect(xml).toContain('type="response_schema_conformance">');
    expect(xml).toContain('<error message="connect ECONNREFUSED" type="errored">');
    expect(xml).toContain('Status: 500 (application/json)');
    expect(xml).toContain("curl -sS -g -X POST &apos;http://api.test:8080/v1/pets&apos;");
  });

  it('escapes and strips hostile text', () => {
    expect(xml).not.toContain('\u0007');
    expect(xml).not.toContain(']]>');
    expect(xml).toContain(']]&gt;');
    expect(xml).toContain('alert(&quot;x&quot;)');
    expect(xml).toContain('it&apos;s');
    expect(xml).not.toMatch(/<script|<img/);
  });
});

describe('renderJsonReport', () => {
  it('round-trips the model', () => {
    const model = fixture();
    const json = renderJsonReport(model);
    const parsed = JSON.parse(json) as ReportModel;
    expect(Object.keys(parsed)).toEqual(['report_id', 'generated_at', 'document', 'run', 'summary', 'results']);
    expect(parsed.summary).toEqual(model.summary);
    expect(parsed.results).toEqual(model.results);
    expect(json).toContain('\n  "report_id": "rep-1",');
  });
});

describe('renderReport', () => {
  it.each<[ReportFormat, string, string]>([
    ['html', 'text/html; charset=utf-8', 'html'],
    ['markdown', 'text/markdown; charset=utf-8', 'md'],
    ['json', 'application/json; charset=utf-8', 'json'],
    ['junit', 'application/xml; charset=utf-8', 'xml'],
  ])('renders %s', (format, contentType, extension) => {
    const rendered = renderReport(fixture(), format);
    expect(rendered.contentType).toBe(contentType);
    expect(rendered.extension).toBe(extension);
    expect(rendered.body.length).toBeGreaterThan(0);
  });

  it('refuses an unknown format', () => {
    expect(() => renderReport(fixture(), '__proto__' as ReportFormat)).toThrow('Unknown report format');
    expect(() => renderReport(fixture(), 'pdf' as ReportFormat)).toThrow('Unknown report format');
  });
});
