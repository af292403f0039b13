/** Header names whose values are credentials: masked wherever a run's requests are stored or shown. */
const SECRET_HEADER = /(authorization|cookie|token|secret|api[-_]?key|password|passwd|session|credential|signature|x-auth)/i;

/** The same headers with credential values replaced by `***` (a hint of the scheme kept: `Bearer ***`). */
export function maskHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      if (!SECRET_HEADER.test(name)) return [name, value];
      const scheme = /^(Bearer|Basic|Token|Digest)\s+/i.exec(value)?.[1];
      return [name, scheme ? `${scheme} ***` : '***'];
    }),
  );
}

/**
 * Checks user-supplied headers: names are HTTP tokens, values are strings without
 * line breaks. Returns the problems (empty when fine).
 */
export function headerProblems(headers: unknown): string[] {
  if (headers === undefined) return [];
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return ['headers must be an object of header names to string values'];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) problems.push(`headers: "${name}" is not a valid header name`);
    if (typeof value !== 'string') problems.push(`headers.${name} must be a string`);
    else if (/[\r\n\0]/.test(value)) problems.push(`headers.${name} must not contain line breaks`);
  }
  if (Object.keys(headers).some((n) => ['host', 'content-length', 'transfer-encoding', 'connection'].includes(n.toLowerCase()))) {
    problems.push('headers must not set Host, Content-Length, Transfer-Encoding or Connection');
  }
  return problems;
}
