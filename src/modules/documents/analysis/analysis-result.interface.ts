/** A lint finding (Spectral's `oas` ruleset, plus the engine's own external-reference rule). */
export interface LintFinding {
  code: string;
  severity: 'error' | 'warn' | 'info' | 'hint';
  message: string;
  /** JSONPath-like location, e.g. `$.paths["/pets"].get.responses`. */
  path: string;
}

/** One operation of the inventory. */
export interface OperationSummary {
  method: string;
  path: string;
  operation_id: string | null;
  summary: string | null;
  tags: string[];
  deprecated: boolean;
  parameters: Array<{ name: string; in: string; required: boolean; type: string | null }>;
  request_body: { required: boolean; content_types: string[] } | null;
  response_codes: string[];
  /** Names of the security schemes that protect it (alternatives joined by " | "); [] = public. */
  security: string[];
}

/** The result of analysing an OpenAPI / Swagger description. */
export interface OpenApiAnalysis {
  format: 'openapi';
  specification: 'OpenAPI' | 'Swagger';
  spec_version: string;
  title: string | null;
  api_version: string | null;
  description: string | null;
  servers: string[];
  summary: {
    path_count: number;
    operation_count: number;
    schema_count: number;
    parameter_count: number;
    tag_count: number;
    security_scheme_count: number;
  };
  operations: OperationSummary[];
  security: {
    schemes: Array<{ name: string; type: string; scheme?: string; in?: string; parameter_name?: string; flows?: string[] }>;
    unprotected_operations: string[];
    undefined_schemes: string[];
  };
  lint: {
    ruleset: string;
    counts: { error: number; warn: number; info: number; hint: number };
    findings: LintFinding[];
    truncated: boolean;
  };
  /** Percentages (0–100, one decimal); null when there is nothing to count. */
  coverage: {
    operations_with_summary_pct: number | null;
    operations_with_description_pct: number | null;
    parameters_with_description_pct: number | null;
    parameters_with_example_pct: number | null;
    request_bodies_with_example_pct: number | null;
    success_responses_with_example_pct: number | null;
    operations_with_4xx_pct: number | null;
    schemas_with_description_pct: number | null;
  };
  testability: {
    /** Operations whose every required input has a value to send (example, default, enum or a sampleable schema). */
    ready_operations: number;
    /** Required inputs with no example, default or enum (Dredd would call them ambiguous). */
    ambiguous_inputs: Array<{ operation: string; location: string; reason: string }>;
    non_json_request_bodies: string[];
  };
  complexity: {
    max_parameters_per_operation: number;
    avg_parameters_per_operation: number;
    max_schema_depth: number;
    polymorphic_schemas: number;
    enum_count: number;
    circular_refs: number;
    callbacks: number;
    webhooks: number;
  };
  external_refs: Array<{ ref: string; path: string }>;
  validation_warnings: string[];
}

/** The result of analysing a Markdown or plain-text requirements document. */
export interface TextAnalysis {
  format: 'markdown' | 'text';
  title: string | null;
  summary: {
    line_count: number;
    word_count: number;
    heading_count: number;
    section_count: number;
    requirement_count: number;
    code_block_count: number;
  };
  headings: Array<{ level: number; text: string; line: number }>;
  sections: Array<{ heading: string | null; level: number; line: number; word_count: number }>;
  /** Sentences with MUST / SHALL / SHOULD (RFC 2119 style), with their keyword. */
  requirements: Array<{ keyword: string; text: string; line: number; section: string | null }>;
  /** `METHOD /path` mentions, a hint of the API the text describes. */
  endpoints_mentioned: Array<{ method: string; path: string; line: number }>;
}

export type DocumentAnalysis = OpenApiAnalysis | TextAnalysis;
