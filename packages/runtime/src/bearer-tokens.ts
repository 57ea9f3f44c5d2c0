// Optional bearer-token auth, shared by the services that offer it (the gateway's /status and /logs, the
// fleet console's API): the verdict on an Authorization header, and the token file's format.
//
// Constant time: each presented token and each configured token are hashed to 32 bytes and ALL configured
// digests are compared with timingSafeEqual (no early exit), so neither the position of a match nor the
// length of a token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

/** `missing`: no `Authorization: Bearer <token>` header at all; `invalid`: a token that is not configured. */
export type BearerVerdict = 'ok' | 'missing' | 'invalid';

export interface BearerTokenCheck {
  /** False when no token is configured: every request is let through. */
  readonly enabled: boolean;
  verify(authorization: string | undefined): BearerVerdict;
}

export function createBearerTokenCheck(tokens: readonly string[]): BearerTokenCheck {
  const digests = tokens.map(digest);
  const enabled = digests.length > 0;
  return {
    enabled,
    verify(authorization) {
      if (!enabled) return 'ok';
      const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
      if (!match) return 'missing';
      const presented = digest(match[1]!);
      let ok = false;
      for (const d of digests) ok = timingSafeEqual(presented, d) || ok;
      return ok ? 'ok' : 'invalid';
    },
  };
}

/** A token file: one token per line; blank lines and `#` comments ignored. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
