import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { request, type Agent } from 'undici';
import {
  assertTargetUrlAllowed,
  classifyAddress,
  createGuardedAgent,
  createGuardedLookup,
  type HostResolver,
  InvalidTargetUrlError,
  SsrfBlockedError,
} from './ssrf-guard';
import { TargetAllowlist } from './target-allowlist';

const NONE = TargetAllowlist.parse('');

/** A fake `dns.lookup` answering from a table, asynchronously like the real one; it never touches real DNS. */
function stubResolver(table: Record<string, string[]>): HostResolver & jest.Mock {
  return jest.fn<void, Parameters<HostResolver>>((hostname, _options, callback) => {
    const addresses = table[hostname];
    setImmediate(() => {
      if (!addresses) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
      else callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    });
  });
}

interface LookupResult {
  err: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
}

function lookup(allowlist: TargetAllowlist, resolver: HostResolver, hostname: string, options: LookupOptions = { all: true }): Promise<LookupResult> {
  return new Promise((resolve) => {
    createGuardedLookup(allowlist, resolver)(hostname, options, (err, address, family) => resolve({ err, address, family }));
  });
}

function errorCode(error: unknown): unknown {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  return e.code ?? e.cause?.code;
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['::a00:1', 'ipv4Compatible'],
  ])('blocks %s (%s)', (ip, range) => {
    expect(classifyAddress(ip)).toMatchObject({ range, blocked: true });
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2001:4860:4860::8888'])('lets the public unicast address %s through', (ip) => {
    expect(classifyAddress(ip)).toEqual({ address: ip, range: 'unicast', blocked: false });
  });

  it('normalizes the address, IPv4-mapped to IPv4', () => {
    expect(classifyAddress('::ffff:127.0.0.1').address).toBe('127.0.0.1');
    expect(classifyAddress('::ffff:7f00:1').address).toBe('127.0.0.1');
    expect(classifyAddress('0:0:0:0:0:0:0:1').address).toBe('::1');
  });

  it('throws for something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow(TypeError);
  });
});

describe('assertTargetUrlAllowed', () => {
  it.each([
    'http://127.0.0.1:8080',
    'http://[::1]/',
    'http://0x7f000001/',
    'http://127.1/',
    'http://2130706433/',
    'http://017700000001/',
    'http://127.0.0.1./',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/',
    'http://10.0.0.5/',
    'http://0/',
    'https://[fe80::1]/',
    'http://metadata.google.internal/',
    'http://METADATA.google.internal./computeMetadata/v1/',
    'http://metadata/',
    'http://instance-data.ec2.internal/',
  ])('refuses %s without an allowlist', (url) => {
    expect(() => assertTargetUrlAllowed(url, NONE)).toThrow(SsrfBlockedError);
  });

  it('relies on the URL parser to normalize IPv4 spellings', () => {
    for (const url of ['http://0x7f000001/', 'http://127.1/', 'http://2130706433/', 'http://017700000001/']) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
  });

  it('says what was refused, why, and how to allow it', () => {
    const error = captureError(() => assertTargetUrlAllowed('http://0x7f000001:8080/x', NONE));
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ name: 'SsrfBlockedError', code: 'ESSRFBLOCKED', retryable: false, host: '127.0.0.1', range: 'loopback' });
    expect((error as Error).message).toBe(
      'Refused to send requests to target host "127.0.0.1": it is in the loopback range, not public. To allow it, add it to TEST_TARGET_ALLOWLIST.',
    );
    expect(captureError(() => assertTargetUrlAllowed('http://[::ffff:127.0.0.1]/', NONE))).toMatchObject({
      message: expect.stringContaining('"[::ffff:7f00:1]": its address 127.0.0.1 is in the loopback range'),
    });
    expect(captureError(() => assertTargetUrlAllowed('http://metadata.google.internal/', NONE))).toMatchObject({
      message: expect.stringContaining('it is a cloud metadata hostname. To allow it, add it to TEST_TARGET_ALLOWLIST'),
    });
  });

  const INVALID_URLS = ['ftp://example.com', 'file:///etc/passwd', 'gopher://x', 'not a url', '/relative/path'];
  it.each([...INVALID_URLS, 'http://user:pw@example.com', 'http://user@x'])('refuses %s as an invalid target URL', (url) => {
    const error = captureError(() => assertTargetUrlAllowed(url, NONE));
    expect(error).toBeInstanceOf(InvalidTargetUrlError);
    expect(error).toMatchObject({ name: 'InvalidTargetUrlError', retryable: false });
  });

  it('does not repeat credentials in its message', () => {
    expect((captureError(() => assertTargetUrlAllowed('http://user:s3cret@example.com', NONE)) as Error).message).not.toContain('s3cret');
  });

  it('allows public hostnames without resolving them, and returns the parsed URL', () => {
    const url = assertTargetUrlAllowed('https://api.example.com/v1', NONE);
    expect(url).toBeInstanceOf(URL);
    expect(url.href).toBe('https://api.example.com/v1');
    expect(assertTargetUrlAllowed('http://8.8.8.8/', NONE).hostname).toBe('8.8.8.8');
    expect(assertTargetUrlAllowed('http://localhost:3000/', NONE).hostname).toBe('localhost'); // refused at connect time
  });

  it('allows allowlisted addresses, and nothing else', () => {
    const allowlist = TargetAllowlist.parse('127.0.0.0/8,::1');
    expect(assertTargetUrlAllowed('http://127.0.0.1:3000', allowlist).port).toBe('3000');
    expect(assertTargetUrlAllowed('http://127.1/', allowlist).hostname).toBe('127.0.0.1');
    expect(assertTargetUrlAllowed('http://[::1]:3000', allowlist).hostname).toBe('[::1]');
    expect(assertTargetUrlAllowed('http://[::ffff:127.0.0.1]/', allowlist).hostname).toBe('[::ffff:7f00:1]');
    expect(() => assertTargetUrlAllowed('http://10.0.0.5', allowlist)).toThrow(SsrfBlockedError);
    expect(() => assertTargetUrlAllowed('http://169.254.169.254/', allowlist)).toThrow(SsrfBlockedError);
  });

  it('allows a metadata hostname only when allowlisted by host', () => {
    expect(assertTargetUrlAllowed('http://metadata.google.internal/', TargetAllowlist.parse('metadata.google.internal')).hostname).toBe(
      'metadata.google.internal',
    );
    expect(() => assertTargetUrlAllowed('http://metadata.google.internal/', TargetAllowlist.parse('169.254.0.0/16'))).toThrow(SsrfBlockedError);
  });
});

describe('createGuardedLookup', () => {
  it.each([
    ['loopback', ['127.0.0.1']],
    ['private', ['10.0.0.1']],
    ['linkLocal', ['169.254.169.254']],
    ['carrierGradeNat', ['100.64.1.1']],
    ['uniqueLocal', ['fd00::1']],
    ['private', ['93.184.216.34', '192.168.0.10']],
    ['private', ['::ffff:192.168.0.1']],
  ])('refuses a hostname resolving to a %s address (%j)', async (range, addresses) => {
    const { err } = await lookup(NONE, stubResolver({ 'target.test': addresses }), 'target.test');
    expect(err).toBeInstanceOf(SsrfBlockedError);
    expect(err).toMatchObject({ code: 'ESSRFBLOCKED', host: 'target.test', range });
    expect(err?.message).toContain('TEST_TARGET_ALLOWLIST');
  });

  it('allows a hostname resolving to public addresses', async () => {
    const resolver = stubResolver({ 'example.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    expect(await lookup(NONE, resolver, 'example.test')).toEqual({
      err: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
      family: undefined,
    });
  });

  it('resolves every address whatever the caller asked, and answers in the shape it asked for', async () => {
    const resolver = stubResolver({ 'example.test': ['93.184.216.34', '93.184.216.35'] });
    expect(await lookup(NONE, resolver, 'example.test', { family: 4, hints: 32 })).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(resolver).toHaveBeenCalledWith('example.test', { family: 4, hints: 32, all: true }, expect.any(Function));
    expect(await lookup(NONE, resolver, 'example.test', { all: false })).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(await lookup(NONE, resolver, 'example.test', { all: true })).toMatchObject({ err: null, address: [{ address: '93.184.216.34' }, {}] });
  });

  it('allows an address blocked by range when the hostname is allowlisted', async () => {
    const resolver = stubResolver({ localhost: ['127.0.0.1', '::1'] });
    expect(await lookup(TargetAllowlist.parse('localhost'), resolver, 'localhost', {})).toEqual({ err: null, address: '127.0.0.1', family: 4 });
    expect((await lookup(TargetAllowlist.parse('other.test'), resolver, 'localhost')).err).toBeInstanceOf(SsrfBlockedError);
  });

  it('allows an address blocked by range when the address is allowlisted, and only that', async () => {
    const allowlist = TargetAllowlist.parse('10.0.0.0/8');
    expect(await lookup(allowlist, stubResolver({ 'staging.test': ['10.1.1.1'] }), 'staging.test', {})).toEqual({
      err: null,
      address: '10.1.1.1',
      family: 4,
    });
    const mixed = await lookup(allowlist, stubResolver({ 'staging.test': ['10.1.1.1', '127.0.0.1'] }), 'staging.test');
    expect(mixed.err).toMatchObject({ code: 'ESSRFBLOCKED', address: '127.0.0.1' });
  });

  it('passes resolver errors through', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN flaky.test'), { code: 'EAI_AGAIN' });
    const resolver: HostResolver = (_hostname, _options, callback) => setImmediate(() => callback(failure, []));
    expect((await lookup(NONE, resolver, 'flaky.test')).err).toBe(failure);
    expect((await lookup(NONE, stubResolver({}), 'missing.test')).err).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('fails closed on an empty or unparseable answer', async () => {
    expect((await lookup(NONE, stubResolver({ 'empty.test': [] }), 'empty.test')).err).toMatchObject({ code: 'ENOTFOUND' });
    expect((await lookup(NONE, stubResolver({ 'odd.test': ['not-an-ip'] }), 'odd.test')).err).toBeInstanceOf(TypeError);
  });

  it('checks IP literals without resolving them', async () => {
    const resolver = stubResolver({});
    expect((await lookup(NONE, resolver, '127.0.0.1')).err).toMatchObject({ code: 'ESSRFBLOCKED', range: 'loopback' });
    expect((await lookup(NONE, resolver, '::ffff:10.0.0.1')).err).toMatchObject({ code: 'ESSRFBLOCKED', range: 'private' });
    expect(await lookup(NONE, resolver, '8.8.8.8', {})).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    expect((await lookup(TargetAllowlist.parse('::1'), resolver, '::1')).address).toEqual([{ address: '::1', family: 6 }]);
    expect(resolver).not.toHaveBeenCalled();
  });
});

/**
 * End to end through undici. Every connection in here goes to 127.0.0.1: the stub resolver knows only
 * `some-host.test` → 127.0.0.1 and fails everything else.
 */
describe('createGuardedAgent', () => {
  const TIMEOUTS = { connectTimeoutMs: 2000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 };
  const closers: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  function agentFor(allowlist: TargetAllowlist): Agent {
    const agent = createGuardedAgent(allowlist, TIMEOUTS, stubResolver({ 'some-host.test': ['127.0.0.1'] }));
    closers.push(() => agent.close());
    return agent;
  }

  async function listen<S extends Server | HttpServer>(server: S): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    return (server.address() as AddressInfo).port;
  }

  /** A raw TCP listener that counts connections and hangs up at once. */
  async function countingListener(): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    return { port: await listen(server), connections: () => connections };
  }

  it('refuses at connect time a hostname that resolves to loopback: no connection is made', async () => {
    const listener = await countingListener();
    const error = await request(`http://some-host.test:${listener.port}/`, { dispatcher: agentFor(NONE) }).catch((e: unknown) => e);
    expect(errorCode(error)).toBe('ESSRFBLOCKED');
    await new Promise((resolve) => setImmediate(resolve));
    expect(listener.connections()).toBe(0);
  });

  it('refuses an IP literal even when the URL was never asserted', async () => {
    const listener = await countingListener();
    const error = await request(`http://127.0.0.1:${listener.port}/`, { dispatcher: agentFor(NONE) }).catch((e: unknown) => e);
    expect(errorCode(error)).toBe('ESSRFBLOCKED');
    expect(error).toBeInstanceOf(SsrfBlockedError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(listener.connections()).toBe(0);
  });

  it('reaches an allowlisted loopback target', async () => {
    const port = await listen(createHttpServer((_req, res) => res.end('ok')));
    const agent = agentFor(TargetAllowlist.parse('127.0.0.0/8'));
    const byName = await request(`http://some-host.test:${port}/`, { dispatcher: agent });
    expect(byName.statusCode).toBe(200);
    expect(await byName.body.text()).toBe('ok');
    const byLiteral = await request(`http://127.0.0.1:${port}/`, { dispatcher: agent });
    expect(byLiteral.statusCode).toBe(200);
    await byLiteral.body.dump();
  });

  it('returns redirects instead of following them', async () => {
    const port = await listen(createHttpServer((_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end()));
    const response = await request(`http://some-host.test:${port}/`, { dispatcher: agentFor(TargetAllowlist.parse('127.0.0.1')) });
    expect(response.statusCode).toBe(302);
    await response.body.dump();
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
