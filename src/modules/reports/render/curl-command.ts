/** What {@link curlCommand} needs of a request. Header values must already have their secrets masked. */
export interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as text; `null`/`undefined`: no body. */
  body?: string | null;
}

/**
 * Quotes one word for a POSIX shell. Inside single quotes no character is special,
 * so only the quote itself needs handling: close the quote, add an escaped quote, reopen.
 * NUL cannot travel in an argument at all, so it is dropped rather than silently cutting the word short.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/\0/g, '').replace(/'/g, `'\\''`)}'`;
}

/**
 * A one-line curl command that sends the same request, safe to paste into a POSIX shell
 * whatever the URL, header values and body contain: `curl -sS -g -X METHOD 'url' -H 'k: v' --data-raw '…'`.
 */
export function curlCommand(request: CurlRequest): string {
  // -g: curl would otherwise read `[]{}` in the URL as its globbing syntax and refuse or rewrite the URL.
  const parts = ['curl', '-sS', '-g'];
  // With `-X HEAD` curl waits for a body that never comes; -I is how curl sends a HEAD request.
  if (request.method.toUpperCase() === 'HEAD') parts.push('-I');
  else parts.push('-X', /^[A-Za-z]+$/.test(request.method) ? request.method : shellQuote(request.method));
  // A URL starting with "-" would be taken for an option; --url makes it a value whatever it holds.
  parts.push(request.url.startsWith('-') ? `--url ${shellQuote(request.url)}` : shellQuote(request.url));
  for (const [name, value] of Object.entries(request.headers)) {
    // `-H 'name:'` makes curl drop the header; `name;` is curl's syntax for sending it empty.
    parts.push('-H', shellQuote(value === '' ? `${name};` : `${name}: ${value}`));
  }
  // --data-raw, unlike -d, does not read a file when the body starts with "@".
  if (request.body !== undefined && request.body !== null) parts.push('--data-raw', shellQuote(request.body));
  return parts.join(' ');
}
