import { BadRequestException, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { EnvironmentVariables } from '../../../config/environment-variables';
import { headerProblems } from './secret-headers';
import { assertTargetUrlAllowed, classifyAddress, InvalidTargetUrlError, SsrfBlockedError } from './ssrf-guard';
import { TargetAllowlist } from './target-allowlist';

/**
 * Decides whether a test run may target a base URL, before any task is
 * submitted, so that a refused target is a clear 400 instead of a failed run:
 * the URL's scheme and IP literal, and what its hostname resolves to now. The
 * authoritative check is repeated at connect time by the guarded agent (DNS can
 * change in between).
 */
@Injectable()
export class TestTargetPolicy {
  readonly allowlist: TargetAllowlist;

  constructor(env: EnvironmentVariables) {
    this.allowlist = TargetAllowlist.parse(env.TEST_TARGET_ALLOWLIST);
  }

  async check(baseUrl: string, headers?: Record<string, string>): Promise<{ baseUrl: string; headers: Record<string, string> }> {
    const problems = headerProblems(headers);
    if (problems.length > 0) throw new BadRequestException(problems);
    let url: URL;
    try {
      url = assertTargetUrlAllowed(baseUrl, this.allowlist);
    } catch (error) {
      if (error instanceof SsrfBlockedError || error instanceof InvalidTargetUrlError) throw new BadRequestException(`base_url refused: ${error.message}`);
      throw error;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host) && !this.allowlist.allowsHost(host)) {
      const addresses = await lookup(host, { all: true }).catch(() => []);
      if (addresses.length === 0) throw new BadRequestException(`base_url refused: the host "${host}" does not resolve`);
      for (const { address } of addresses) {
        const { blocked, range } = classifyAddress(address);
        if (blocked && !this.allowlist.allowsAddress(address)) {
          throw new BadRequestException(`base_url refused: ${new SsrfBlockedError(host, address, range).message}`);
        }
      }
    }
    return { baseUrl: url.toString().replace(/\/+$/, ''), headers: headers ?? {} };
  }
}
