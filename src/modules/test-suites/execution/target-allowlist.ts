import { isIP } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/** A network and its prefix length; a single address is a full-length prefix. */
type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Dot-separated labels of letters, digits, `-` and `_`; internationalized names must be given in their `xn--` form. */
const HOSTNAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/i;

/**
 * The targets an operator has explicitly allowed despite the SSRF guard (`TEST_TARGET_ALLOWLIST`), e.g. a
 * staging API on the private network or `localhost` in development. Hostname entries match the target's name;
 * IP and CIDR entries match the addresses the target is (or resolves to).
 */
export class TargetAllowlist {
  private constructor(
    /** The entries as configured (trimmed), for messages. */
    readonly entries: readonly string[],
    private readonly hosts: ReadonlySet<string>,
    private readonly ranges: readonly Cidr[],
  ) {}

  /**
   * Parses a comma-separated list of hostnames (`localhost`), IP addresses (`127.0.0.1`, `::1`) and CIDRs
   * (`10.0.0.0/8`, `fd00::/8`). Empty entries are ignored, so `''` is the empty list.
   * @throws Error naming the first entry that is none of these, so a typo fails at startup instead of silently allowing nothing.
   */
  static parse(value: string): TargetAllowlist {
    const entries = value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const hosts = new Set<string>();
    const ranges: Cidr[] = [];
    for (const entry of entries) {
      const range = parseRange(entry);
      if (range) ranges.push(range);
      else if (isHostname(entry)) hosts.add(normalizeHost(entry));
      else throw new Error(`TEST_TARGET_ALLOWLIST entry "${entry}" is not a hostname, IP address or CIDR`);
    }
    return new TargetAllowlist(entries, hosts, ranges);
  }

  /** True when nothing is allowed beyond public unicast addresses. */
  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Whether a hostname entry matches `hostname` (case-insensitive; `[…]` of IPv6 literals and a trailing dot ignored). */
  allowsHost(hostname: string): boolean {
    return this.hosts.has(normalizeHost(hostname));
  }

  /**
   * Whether an IP or CIDR entry contains `ip`. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) are compared as
   * the IPv4 address they reach, so `127.0.0.0/8` covers both spellings.
   */
  allowsAddress(ip: string): boolean {
    const literal = stripBrackets(ip);
    if (!ipaddr.isValid(literal)) return false;
    const address = ipaddr.process(literal);
    return this.ranges.some(([network, bits]) => network.kind() === address.kind() && address.match(network, bits));
  }
}

/** Parses `address` or `address/bits` (strict dotted-quad or IPv6 syntax), or returns undefined when `entry` is neither. */
function parseRange(entry: string): Cidr | undefined {
  const [literal, prefix, ...rest] = entry.split('/');
  const family = isIP(literal);
  if (family === 0 || rest.length > 0) return undefined;
  const maxBits = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? maxBits : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (!(bits <= maxBits)) return undefined;
  const network = ipaddr.parse(literal);
  // allowsAddress compares IPv4-mapped addresses as IPv4, so an IPv4-mapped network must become IPv4 too.
  if (network instanceof ipaddr.IPv6 && network.isIPv4MappedAddress() && bits >= 96) return [network.toIPv4Address(), bits - 96];
  return [network, bits];
}

function isHostname(entry: string): boolean {
  if (!HOSTNAME.test(entry)) return false;
  // The URL parser reads names like `127.1` or `1.2.3.999` as IPv4 (or rejects them), so such an entry could never match.
  return URL.parse(`http://${entry}/`)?.hostname === entry.toLowerCase();
}

function normalizeHost(hostname: string): string {
  return stripBrackets(hostname.toLowerCase()).replace(/\.$/, '');
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
