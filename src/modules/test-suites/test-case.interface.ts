/** The HTTP request a test case sends (before the run's base URL and headers are added). */
export interface CaseRequest {
  method: string;
  /** Path template of the operation, e.g. `/pets/{petId}`. */
  path: string;
  path_params: Record<string, string>;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** JSON body, when the case sends one (`undefined`: no body). */
  body?: unknown;
  content_type?: string;
}

/** Which rule a negative case breaks (modelled on Portman's variations and Schemathesis' coverage phase). */
export type NegativeVariant =
  | 'missing_required_parameter'
  | 'missing_required_body'
  | 'missing_required_field'
  | 'wrong_type'
  | 'below_minimum'
  | 'above_maximum'
  | 'too_short'
  | 'too_long'
  | 'invalid_enum';

/** One generated test case. */
export interface TestCase {
  /** Stable within the suite: `<operation_key>#<n>`. */
  id: string;
  /** `GET /pets/{petId}`. */
  operation_key: string;
  operation_id: string | null;
  name: string;
  kind: 'positive' | 'negative';
  /** For negative cases: what is wrong with the request. */
  variant?: NegativeVariant;
  /** Where the broken value sits, e.g. `query.limit` or `body.name`. */
  target?: string;
  request: CaseRequest;
  /**
   * Statuses that pass: exact codes (`"201"`) and classes (`"2XX"`, `"4XX"`).
   * Positive cases expect the operation's documented success statuses;
   * negative cases expect a client error.
   */
  expected_statuses: string[];
}

/** Names of the checks a response goes through (Schemathesis' names). */
export type CheckName =
  | 'not_a_server_error'
  | 'status_code_conformance'
  | 'negative_data_rejection'
  | 'positive_data_acceptance'
  | 'content_type_conformance'
  | 'response_schema_conformance';

/** A failed check of one case. */
export interface CheckFailure {
  check: CheckName;
  message: string;
}

/** What a case's run produced. */
export interface CaseResult {
  case_id: string;
  operation_key: string;
  name: string;
  kind: 'positive' | 'negative';
  /** passed: every check held; failed: a check failed; errored: no usable response (network error, timeout, refused target). */
  outcome: 'passed' | 'failed' | 'errored';
  failures: CheckFailure[];
  /** For `errored`: what went wrong. */
  error?: string;
  latency_ms: number | null;
  request: {
    method: string;
    url: string;
    /** Headers as sent, with secrets masked. */
    headers: Record<string, string>;
    body_excerpt: string | null;
  };
  response: {
    status: number;
    content_type: string | null;
    headers: Record<string, string>;
    /** The first bytes of the body (at most 2 KiB), as text. */
    body_excerpt: string;
    body_truncated: boolean;
  } | null;
  /** A curl command that sends the same request (secrets masked). */
  curl: string;
}

/** Summary of a run. */
export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  latency_ms: { p50: number | null; p95: number | null; max: number | null };
  by_operation: Array<{ operation_key: string; total: number; passed: number; failed: number; errored: number }>;
}
