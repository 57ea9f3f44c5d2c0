// Optional bearer-token auth for /status. Telemetry (/v1/version) stays anonymous by design.
//
// Constant time: each presented token and each configured token are hashed to 32 bytes and ALL configured
// digests are compared with timingSafeEqual (no early exit), so neither the position of a match nor the
// length of a token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from './errors';

export interface TokenCheck {
  readonly enabled: boolean;
  /** Throws GatewayError MISSING_TOKEN / INVALID_TOKEN. */
  check(authorization: string | undefined): void;
}

export function createTokenCheck(tokens: readonly string[]): TokenCheck {
  const digests = tokens.map(digest);
  const enabled = digests.length > 0;
  return {
    enabled,
    check(authorization) {
      if (!enabled) return;
      const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (!match) {
        throw new GatewayError('MISSING_TOKEN', 'this endpoint requires "Authorization: Bearer <token>"');
      }
      const presented = digest(match[1]!);
      let ok = false;
      for (const d of digests) ok = timingSafeEqual(presented, d) || ok;
      if (!ok) throw new GatewayError('INVALID_TOKEN', 'the bearer token is not valid');
    },
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
