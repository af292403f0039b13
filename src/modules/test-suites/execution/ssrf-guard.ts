/**
 * SSRF guard for requests to user-supplied target base URLs.
 *
 * Two checks, because neither alone is enough:
 * - {@link assertTargetUrlAllowed} checks the URL before anything is sent. It catches IP literals, which Node's
 *   `net.connect` connects to without ever calling `lookup`, and cloud metadata names, with a clear early error.
 * - {@link createGuardedLookup} checks the addresses a hostname resolves to at connect time. Checking a name once
 *   up front and connecting later would let DNS rebinding (answer public first, private next) through; here the
 *   address that is checked is the address that connects.
 * {@link createGuardedAgent} wires both into an undici `Agent`.
 */
import * as dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import type { TargetAllowlist } from './target-allowlist';

/**
 * Cloud metadata hostnames. They resolve to link-local addresses the lookup would refuse anyway, but refusing
 * them by name fails before any DNS query and says why.
 */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** The deprecated IPv4-compatible IPv6 block `::/96`, which ipaddr.js reports as plain unicast. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** A name resolver with `dns.lookup`'s `all: true` signature; injectable so tests never query real DNS. */
export type HostResolver = (
  hostname: string,
  options: dns.LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
) => void;

/** A target refused because it is, or resolves to, a non-public address or a cloud metadata hostname. */
export class SsrfBlockedError extends Error {
  readonly code = 'ESSRFBLOCKED';
  /** Retrying cannot help: the same target is refused again (see `isRetryable`). */
  readonly retryable = false;
  override name = 'SsrfBlockedError';

  /**
   * @param host - the target hostname as requested
   * @param address - the refused address, or undefined when the hostname itself was refused
   * @param range - why: the address's range (`loopback`, `private`, `linkLocal`, …) or `cloud metadata hostname`
   */
  constructor(
    readonly host: string,
    readonly address: string | undefined,
    readonly range: string,
  ) {
    const subject = address === host ? 'it' : `its address ${address}`;
    const why = address === undefined ? `it is a ${range}` : `${subject} is in the ${range} range, not public`;
    super(`Refused to send requests to target host "${host}": ${why}. To allow it, add it to TEST_TARGET_ALLOWLIST.`);
  }
}

/** A target URL that is malformed, not http(s), or carries credentials. */
export class InvalidTargetUrlError extends Error {
  readonly retryable = false;
  override name = 'InvalidTargetUrlError';
}

/**
 * Classifies an IP address with ipaddr.js. Anything but plain public `unicast` is blocked: loopback, private,
 * link-local (incl. the metadata address 169.254.169.254), unique-local, carrier-grade NAT, multicast,
 * unspecified, broadcast, reserved, and the translation/tunnel ranges (NAT64, 6to4, Teredo, IPv4-compatible `::/96`)
 * that can lead back to them.
 * IPv4-mapped IPv6 addresses are classified as the IPv4 address they reach.
 * @returns the normalized address, its ipaddr.js range name, and whether it is blocked
 * @throws TypeError when `ip` is not an IP address
 */
export function classifyAddress(ip: string): { address: string; range: string; blocked: boolean } {
  if (!ipaddr.isValid(ip)) throw new TypeError(`"${ip}" is not an IP address`);
  const address = ipaddr.process(ip);
  let range: string = address.range();
  if (range === 'unicast' && address instanceof ipaddr.IPv6 && address.match(IPV4_COMPATIBLE)) range = 'ipv4Compatible';
  return { address: address.toString(), range, blocked: range !== 'unicast' };
}

/**
 * Parses a target URL once and refuses what must never be requested. The WHATWG parser normalizes IPv4 spellings
 * (`0x7f000001`, `127.1`, `2130706433`, `017700000001` are all `127.0.0.1`), so the check sees what will connect.
 * Hostnames that are not IP literals are not resolved here: the connect-time lookup checks them.
 * @returns the parsed URL — use it rather than re-parsing the string
 * @throws InvalidTargetUrlError for a malformed URL, a scheme other than http/https, or credentials in the URL
 * @throws SsrfBlockedError for a blocked IP literal or a cloud metadata hostname not in the allowlist
 */
export function assertTargetUrlAllowed(url: string, allowlist: TargetAllowlist): URL {
  const parsed = URL.parse(url);
  if (!parsed) throw new InvalidTargetUrlError(`Target URL ${JSON.stringify(url)} is not a valid absolute URL`);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidTargetUrlError(`Target URL scheme "${parsed.protocol}" is not allowed; use http: or https:`);
  }
  // The URL is not quoted: it holds the credentials this refuses, and messages end up in logs.
  if (parsed.username !== '' || parsed.password !== '') {
    throw new InvalidTargetUrlError('Target URL must not contain credentials (user:password@); send them as headers instead');
  }
  const host = parsed.hostname;
  if (METADATA_HOSTNAMES.has(host.replace(/\.$/, '')) && !allowlist.allowsHost(host)) {
    throw new SsrfBlockedError(host, undefined, 'cloud metadata hostname');
  }
  const refusal = refuseLiteral(host, allowlist);
  if (refusal) throw refusal;
  return parsed;
}

/**
 * A `net` lookup function (for undici's `connect: { lookup }`) that resolves all addresses of a hostname and
 * refuses the connection if any of them is blocked and not allowlisted — all of them, because with
 * `autoSelectFamily` Node may connect to any. Checking at connect time closes the DNS-rebinding gap of a
 * check-then-connect design. IP literals are checked too (without resolving them) in case a caller passes one.
 * @param resolver - `dns.lookup` by default; tests pass a stub
 */
export function createGuardedLookup(allowlist: TargetAllowlist, resolver: HostResolver = dns.lookup): LookupFunction {
  return (hostname, options, callback) => {
    const finish = (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]): void => {
      let error = err;
      try {
        error ??= refuseResolved(hostname, addresses, allowlist) ?? null;
      } catch (thrown) {
        error = thrown as Error; // an unparseable address from the resolver: fail closed
      }
      if (error) callback(error, []);
      else if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    const family = isIP(hostname);
    if (family !== 0) process.nextTick(finish, null, [{ address: hostname, family }]);
    else resolver(hostname, { ...options, all: true }, finish);
  };
}

/**
 * An undici `Agent` whose connections pass the guard: hostnames through {@link createGuardedLookup}, and IP
 * literals — which never reach `lookup` — through the same check as {@link assertTargetUrlAllowed}, so even a
 * request whose URL was not asserted (or was rebuilt from a path like `//10.0.0.1/`) cannot reach a blocked address.
 * No redirect interceptor is installed: a redirect is returned to the caller, never followed to a new target.
 * @param resolver - `dns.lookup` by default; tests pass a stub
 */
export function createGuardedAgent(
  allowlist: TargetAllowlist,
  options: { connectTimeoutMs: number; headersTimeoutMs: number; bodyTimeoutMs: number },
  resolver?: HostResolver,
): Agent {
  const connect = buildConnector({ lookup: createGuardedLookup(allowlist, resolver), timeout: options.connectTimeoutMs });
  return new Agent({
    connect: (target, callback) => {
      const refusal = refuseLiteral(target.hostname, allowlist);
      // Asynchronously, as a failing socket would, so undici handles it exactly like any connect error.
      if (refusal) process.nextTick(callback, refusal, null);
      else return connect(target, callback); // undici cancels a pending connect through the returned socket
    },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
  });
}

/** The refusal for a blocked, non-allowlisted IP-literal hostname (`[…]` accepted); undefined for names and allowed addresses. */
function refuseLiteral(hostname: string, allowlist: TargetAllowlist): SsrfBlockedError | undefined {
  const literal = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (isIP(literal) === 0) return undefined;
  const { address, range, blocked } = classifyAddress(literal);
  if (!blocked || allowlist.allowsHost(hostname) || allowlist.allowsAddress(address)) return undefined;
  return new SsrfBlockedError(hostname, address, range);
}

/** The error for a resolution that must not be used: no addresses, or any blocked address not allowlisted. */
function refuseResolved(hostname: string, addresses: dns.LookupAddress[], allowlist: TargetAllowlist): NodeJS.ErrnoException | undefined {
  if (addresses.length === 0) return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  if (allowlist.allowsHost(hostname)) return undefined;
  for (const resolved of addresses) {
    const { address, range, blocked } = classifyAddress(resolved.address);
    if (blocked && !allowlist.allowsAddress(address)) return new SsrfBlockedError(hostname, address, range);
  }
  return undefined;
}
