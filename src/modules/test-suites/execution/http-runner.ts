import type { Dispatcher } from 'undici';
import { request } from 'undici';
import { curlCommand } from '../../reports/render/curl-command';
import type { CaseResult, CheckFailure, RunSummary, TestCase } from '../test-case.interface';
import { mediaMatches, mediaTypeOf, type ResponseValidator } from './response-validator';
import { maskHeaders } from './secret-headers';

/** How a run talks to its target. */
export interface RunSettings {
  baseUrl: string;
  /** Headers sent with every request (real values). */
  headers: Record<string, string>;
  concurrency: number;
  requestTimeoutMs: number;
  maxResponseBytes: number;
  /** The guarded agent (SSRF checks at connect time, timeouts, no redirects). */
  dispatcher: Dispatcher;
  signal: AbortSignal;
  /** Called after each finished case with how many are done. */
  onProgress?: (done: number, total: number) => void;
}

const EXCERPT_BYTES = 2048;

/** Status matches an expected entry: `"201"` or a class such as `"4XX"`. */
export function statusMatches(status: number, expected: readonly string[]): boolean {
  return expected.some((e) => (/^\dXX$/i.test(e) ? String(status)[0] === e[0] : Number(e) === status));
}

/** The request URL of a case: base URL + path with parameters substituted + query string. */
export function caseUrl(baseUrl: string, testCase: TestCase): string {
  const path = testCase.request.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(testCase.request.path_params[name] ?? `{${name}}`));
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(testCase.request.query)) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  return url.toString();
}

/** Reads at most `limit` bytes of a body and drops the rest (the connection is closed early). */
async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ buffer: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size + buf.length > limit) {
      chunks.push(buf.subarray(0, limit - size));
      body.destroy();
      return { buffer: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(buf);
    size += buf.length;
  }
  return { buffer: Buffer.concat(chunks), truncated: false };
}

/** The checks of one response (Schemathesis' names). */
function check(testCase: TestCase, status: number, contentType: string | null, body: unknown, bodyText: string, validator: ResponseValidator): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (status >= 500) failures.push({ check: 'not_a_server_error', message: `The server answered ${status}` });
  if (!statusMatches(status, testCase.expected_statuses)) {
    if (testCase.kind === 'negative' && status < 400) {
      failures.push({ check: 'negative_data_rejection', message: `Invalid input (${testCase.variant?.replace(/_/g, ' ')} at ${testCase.target}) was accepted with ${status}; expected a 4xx` });
    } else if (testCase.kind === 'positive' && status >= 400 && status < 500) {
      failures.push({ check: 'positive_data_acceptance', message: `A request built from the description was rejected with ${status}; expected ${testCase.expected_statuses.join(' or ')}` });
    } else if (status < 500) {
      failures.push({ check: 'status_code_conformance', message: `Status ${status} is not one of the expected ${testCase.expected_statuses.join(', ')}` });
    }
  }
  const documented = validator.documented(testCase.operation_key, status);
  if (documented && bodyText.length > 0) {
    const mediaTypes = Object.keys(documented.media);
    if (mediaTypes.length > 0) {
      const actual = mediaTypeOf(contentType);
      const match = actual ? mediaTypes.find((m) => mediaMatches(actual, m)) : undefined;
      if (!match) {
        failures.push({ check: 'content_type_conformance', message: `Content-Type ${actual ?? '(none)'} is not documented for ${documented.code}: expected ${mediaTypes.join(', ')}` });
      } else if (documented.media[match] && /json/.test(actual ?? '')) {
        if (body === undefined) {
          failures.push({ check: 'response_schema_conformance', message: 'The body is not valid JSON' });
        } else {
          const errors = validator.validate(documented.media[match]!, body);
          if (errors.length > 0) failures.push({ check: 'response_schema_conformance', message: `The body does not match the ${documented.code} schema: ${errors.join('; ')}` });
        }
      }
    }
  }
  return failures;
}

async function runCase(testCase: TestCase, settings: RunSettings, validator: ResponseValidator): Promise<CaseResult> {
  const url = caseUrl(settings.baseUrl, testCase);
  const headers: Record<string, string> = { accept: 'application/json, */*;q=0.5', ...testCase.request.headers, ...settings.headers };
  const bodyText = testCase.request.body === undefined ? null : JSON.stringify(testCase.request.body);
  if (bodyText !== null) headers['content-type'] = testCase.request.content_type ?? 'application/json';
  const masked = maskHeaders(headers);
  const base: Omit<CaseResult, 'outcome' | 'failures' | 'latency_ms' | 'response'> = {
    case_id: testCase.id,
    operation_key: testCase.operation_key,
    name: testCase.name,
    kind: testCase.kind,
    request: { method: testCase.request.method, url, headers: masked, body_excerpt: bodyText === null ? null : bodyText.slice(0, EXCERPT_BYTES) },
    curl: curlCommand({ method: testCase.request.method, url, headers: masked, body: bodyText }),
  };
  const started = performance.now();
  const timeout = AbortSignal.timeout(settings.requestTimeoutMs);
  try {
    const res = await request(url, {
      method: testCase.request.method as Dispatcher.HttpMethod,
      headers,
      body: bodyText ?? undefined,
      dispatcher: settings.dispatcher,
      signal: AbortSignal.any([settings.signal, timeout]),
    });
    const { buffer, truncated } = await readCapped(res.body, settings.maxResponseBytes);
    const latency = Math.round((performance.now() - started) * 10) / 10;
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : null;
    const text = buffer.toString('utf8');
    let body: unknown;
    if (!truncated && text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    const failures = truncated
      ? [{ check: 'response_schema_conformance' as const, message: `The body is larger than ${settings.maxResponseBytes} bytes and was not read to the end` }]
      : check(testCase, res.statusCode, contentType, body, text, validator);
    const responseHeaders = Object.fromEntries(
      Object.entries(res.headers)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    );
    return {
      ...base,
      outcome: failures.length === 0 ? 'passed' : 'failed',
      failures,
      latency_ms: latency,
      response: {
        status: res.statusCode,
        content_type: contentType,
        headers: maskHeaders(responseHeaders),
        body_excerpt: text.slice(0, EXCERPT_BYTES),
        body_truncated: truncated || text.length > EXCERPT_BYTES,
      },
    };
  } catch (error) {
    const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
    const reason = timeout.aborted && !settings.signal.aborted ? `No response within ${settings.requestTimeoutMs} ms` : `${e.code ?? e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`;
    return { ...base, outcome: 'errored', failures: [], error: reason, latency_ms: null, response: null };
  }
}

/**
 * Runs the cases against the target with at most `concurrency` requests in
 * flight, in case order. A cancelled run (signal) stops sending, aborts the
 * requests in flight and rejects with the signal's reason.
 */
export async function runCases(cases: TestCase[], settings: RunSettings, validator: ResponseValidator): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(cases.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      settings.signal.throwIfAborted();
      const index = next++;
      results[index] = await runCase(cases[index], settings, validator);
      settings.signal.throwIfAborted();
      settings.onProgress?.(++done, cases.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, cases.length) }, worker));
  return results;
}

const percentile = (sorted: number[], p: number): number | null => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);

/** Totals, latency percentiles and per-operation counts of a run. */
export function summarize(results: CaseResult[]): RunSummary {
  const latencies = results.map((r) => r.latency_ms).filter((l): l is number => l !== null).sort((a, b) => a - b);
  const byOperation = new Map<string, RunSummary['by_operation'][number]>();
  for (const r of results) {
    const entry = byOperation.get(r.operation_key) ?? { operation_key: r.operation_key, total: 0, passed: 0, failed: 0, errored: 0 };
    entry.total++;
    entry[r.outcome]++;
    byOperation.set(r.operation_key, entry);
  }
  return {
    total: results.length,
    passed: results.filter((r) => r.outcome === 'passed').length,
    failed: results.filter((r) => r.outcome === 'failed').length,
    errored: results.filter((r) => r.outcome === 'errored').length,
    latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? null },
    by_operation: [...byOperation.values()],
  };
}
