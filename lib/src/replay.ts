// Claims-token replay memory: a subgraph accepts each router-signed claims token once.
//
// The router mints a fresh token (a new `jti`) for every subgraph fetch and never retries one, so a
// second use of a token is a capture being replayed. The subgraph's verifier records the `jti` of
// every token it has FULLY verified (signature, issuer, audience, lifetime, operation hash, caller)
// under `claims-jti:<audience>:<jti>` with a lifetime equal to the token's remaining life plus the
// clock tolerance: when the record expires, jose refuses the token on its own (`exp`). Only a
// verified token reaches the store, so garbage cannot fill it, and no record outlives
// CLAIMS_TOKEN_TTL_SECONDS plus the tolerance.
//
// The memory is the process's SharedStore: Redis when REDIS_URL is set (every replica of the
// subgraph shares it), else this process only. A store that cannot answer refuses the request
// with a retryable error (ReplayStoreUnavailableError, 503): never a crash, never a replay let
// through unrecorded.
import { ClaimsTokenError } from './claims.ts';
import type { SharedStore } from './store.ts';

/** The store could not record a token: the request is refused as retryable (503), not accepted. */
export class ReplayStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the claims replay memory cannot be reached', { cause });
    this.name = 'ReplayStoreUnavailableError';
  }
}

export interface ReplayGuard {
  /**
   * Records the first use of token `jti` addressed to `audience`, expiring at `exp` (seconds since
   * the epoch). Throws ClaimsTokenError on a second use, ReplayStoreUnavailableError when the store
   * fails.
   */
  remember(audience: string, jti: string, exp: number): Promise<void>;
}

/** Longest `jti` recorded (the router's are UUIDs): a longer one is not the router's. */
const MAX_JTI = 128;

export function replayKey(audience: string, jti: string): string {
  return `claims-jti:${audience}:${jti}`;
}

export function claimsReplayGuard(
  store: SharedStore,
  opts: { clockToleranceSeconds: number; now?: () => number },
): ReplayGuard {
  const now = opts.now ?? Date.now;
  return {
    async remember(audience, jti, exp) {
      if (jti.length === 0 || jti.length > MAX_JTI) throw new ClaimsTokenError('claims token id is malformed');
      const ttlMs = (exp + opts.clockToleranceSeconds) * 1000 - now();
      // jose has just accepted the token, so it has life left; a clock that moved on in between
      // still records it for the shortest time the store allows, never refuses it silently.
      let first: boolean;
      try {
        first = await store.setIfAbsent(replayKey(audience, jti), '1', Math.max(1, ttlMs));
      } catch (err) {
        throw new ReplayStoreUnavailableError(err);
      }
      if (!first) throw new ClaimsTokenError('claims token already used');
    },
  };
}
