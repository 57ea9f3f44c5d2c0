// Optional bearer-token auth for /status and /logs. Telemetry (/v1/version) stays anonymous by design.
// The constant-time check itself is shared (@opa-fleet/runtime); here its verdict becomes the gateway's error.
import { createBearerTokenCheck } from '@opa-fleet/runtime';
import { GatewayError } from './errors';

export interface TokenCheck {
  readonly enabled: boolean;
  /** Throws GatewayError MISSING_TOKEN / INVALID_TOKEN. */
  check(authorization: string | undefined): void;
}

export function createTokenCheck(tokens: readonly string[]): TokenCheck {
  const bearer = createBearerTokenCheck(tokens);
  return {
    enabled: bearer.enabled,
    check(authorization) {
      const verdict = bearer.verify(authorization);
      if (verdict === 'missing') {
        throw new GatewayError('MISSING_TOKEN', 'this endpoint requires "Authorization: Bearer <token>"');
      }
      if (verdict === 'invalid') throw new GatewayError('INVALID_TOKEN', 'the bearer token is not valid');
    },
  };
}
