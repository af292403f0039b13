import { TargetAllowlist } from './target-allowlist';

describe('TargetAllowlist.parse', () => {
  it('reads hostnames, IP addresses and CIDRs, ignoring whitespace and empty entries', () => {
    const allowlist = TargetAllowlist.parse(' localhost , api.internal.example,127.0.0.1, ::1,10.0.0.0/8,fd00::/8,');
    expect(allowlist.entries).toEqual(['localhost', 'api.internal.example', '127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
    expect(allowlist.isEmpty).toBe(false);
  });

  it('treats the empty string as the empty list', () => {
    for (const value of ['', '  ', ' , ']) {
      const allowlist = TargetAllowlist.parse(value);
      expect(allowlist.isEmpty).toBe(true);
      expect(allowlist.entries).toEqual([]);
      expect(allowlist.allowsHost('localhost')).toBe(false);
      expect(allowlist.allowsAddress('127.0.0.1')).toBe(false);
    }
  });

  const INVALID = ['10.0.0.0/99', '::1/129', '10.0.0.0/', '10.0.0.0/8/8', '10.0.0.0/-1', '127.1', '999.1.1.1', '0x7f000001'];
  it.each([...INVALID, 'http://localhost', 'host:8080', 'a b', 'foo..bar'])('rejects the invalid entry %p and names it', (entry) => {
    const message = `TEST_TARGET_ALLOWLIST entry "${entry}" is not a hostname, IP address or CIDR`;
    expect(() => TargetAllowlist.parse(`localhost,${entry}`)).toThrow(message);
  });
});

describe('TargetAllowlist.allowsHost', () => {
  const allowlist = TargetAllowlist.parse('localhost,API.Internal.Example,127.0.0.1');

  it('matches hostname entries exactly and case-insensitively', () => {
    expect(allowlist.allowsHost('localhost')).toBe(true);
    expect(allowlist.allowsHost('LocalHost')).toBe(true);
    expect(allowlist.allowsHost('localhost.')).toBe(true);
    expect(allowlist.allowsHost('api.internal.example')).toBe(true);
    expect(allowlist.allowsHost('internal.example')).toBe(false);
    expect(allowlist.allowsHost('evil.api.internal.example')).toBe(false);
    expect(allowlist.allowsHost('localhost.evil.example')).toBe(false);
  });

  it('does not match IP entries by name', () => {
    expect(allowlist.allowsHost('127.0.0.1')).toBe(false);
  });

  it('strips the brackets of IPv6 literals', () => {
    expect(TargetAllowlist.parse('localhost').allowsHost('[localhost]')).toBe(true);
  });
});

describe('TargetAllowlist.allowsAddress', () => {
  it('matches single addresses and CIDRs of both families', () => {
    const allowlist = TargetAllowlist.parse('127.0.0.0/8,::1,10.0.0.0/8,fd00::/8,192.168.1.7');
    expect(allowlist.allowsAddress('127.0.0.1')).toBe(true);
    expect(allowlist.allowsAddress('127.255.255.254')).toBe(true);
    expect(allowlist.allowsAddress('10.1.1.1')).toBe(true);
    expect(allowlist.allowsAddress('192.168.1.7')).toBe(true);
    expect(allowlist.allowsAddress('192.168.1.8')).toBe(false);
    expect(allowlist.allowsAddress('11.0.0.1')).toBe(false);
    expect(allowlist.allowsAddress('::1')).toBe(true);
    expect(allowlist.allowsAddress('[::1]')).toBe(true);
    expect(allowlist.allowsAddress('fd12:3456::1')).toBe(true);
    expect(allowlist.allowsAddress('fc00::1')).toBe(false);
    expect(allowlist.allowsAddress('::2')).toBe(false);
  });

  it('treats IPv4-mapped IPv6 addresses as their IPv4 address', () => {
    const allowlist = TargetAllowlist.parse('127.0.0.0/8');
    expect(allowlist.allowsAddress('::ffff:127.0.0.1')).toBe(true);
    expect(allowlist.allowsAddress('::ffff:7f00:1')).toBe(true);
    expect(allowlist.allowsAddress('::ffff:10.0.0.1')).toBe(false);
    expect(TargetAllowlist.parse('::ffff:10.0.0.0/104').allowsAddress('10.9.9.9')).toBe(true);
  });

  it('is false for anything that is not an address', () => {
    const allowlist = TargetAllowlist.parse('localhost,127.0.0.0/8');
    expect(allowlist.allowsAddress('localhost')).toBe(false);
    expect(allowlist.allowsAddress('')).toBe(false);
  });
});
