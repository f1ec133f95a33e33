// Users of an external issuer (Auth0) as this platform's users: after verifying such a token, the
// router asks the token-issuing subgraph for the user id of (issuer, subject) in the token's
// tenant, made there on first use (its `provisionExternalIdentity`, an @inaccessible mutation only
// the router calls, as the internal caller `router` with its own claims token). Every subgraph
// then sees that id as caller.userId, exactly like a password user's: `me` answers, and what the
// user creates (Job.createdBy) refers to a User that resolves. Answers are kept in a bounded LRU,
// so a user costs one call per cache lifetime, not one per request or per token.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  CLAIMS_HEADER,
  operationHash,
  type AccessClaims,
  type ClaimsSigner,
  type InternalCaller,
  type UserCaller,
} from '@eventzr/lib/claims';
import type { Logger } from '@eventzr/lib/logger';
import { TokenError } from './tokens.ts';

export const PROVISION_OPERATION =
  'mutation ProvisionExternalIdentity($input: ProvisionExternalIdentityInput!) { provisionExternalIdentity(input: $input) { userId } }';

/** The caller the router presents itself as (the auth subgraph's `isRouter` rule). */
export const ROUTER_CALLER: InternalCaller = Object.freeze({ kind: 'internal', service: 'router' });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ExternalIdentityStats {
  /** Calls made to the token-issuing subgraph (a cache hit makes none). */
  provisions: number;
  cacheHits: number;
}

export interface ExternalIdentities {
  /** The caller with `userId` replaced by this platform's user id for (issuer, subject) in the token's tenant. */
  map(issuer: string, claims: AccessClaims, caller: UserCaller): Promise<UserCaller>;
  readonly stats: ExternalIdentityStats;
}

export interface ExternalIdentitiesOptions {
  /** GraphQL endpoint of the token-issuing subgraph, and its name (the claims token's audience). */
  url: string;
  audience: string;
  signer: ClaimsSigner;
  timeoutMs: number;
  cacheMax: number;
  /** How long a mapping is reused (default 10 minutes). */
  cacheTtlMs?: number;
  log: Logger;
}

interface ProvisionAnswer {
  data?: { provisionExternalIdentity?: { userId?: unknown } | null } | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

export function createExternalIdentities(opts: ExternalIdentitiesOptions): ExternalIdentities {
  const cache = new LRUCache<string, string>({ max: opts.cacheMax, ttl: opts.cacheTtlMs ?? 10 * 60 * 1000 });
  const inFlight = new Map<string, Promise<string>>();
  const stats: ExternalIdentityStats = { provisions: 0, cacheHits: 0 };

  async function provision(input: Record<string, unknown>): Promise<string> {
    stats.provisions++;
    const variables = { input };
    const requestId = randomUUID();
    const token = await opts.signer.sign({
      caller: ROUTER_CALLER,
      audience: opts.audience,
      opHash: operationHash(PROVISION_OPERATION, variables),
      requestId,
    });
    let status: number;
    let body: ProvisionAnswer;
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CLAIMS_HEADER]: token, 'x-request-id': requestId },
        body: JSON.stringify({ query: PROVISION_OPERATION, variables }),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      status = res.status;
      body = (await res.json()) as ProvisionAnswer;
    } catch (err) {
      throw new TokenError('unavailable', `external identity unavailable: ${(err as Error).message}`);
    }
    const userId = body.data?.provisionExternalIdentity?.userId;
    if (typeof userId === 'string' && UUID.test(userId)) return userId.toLowerCase();
    const code = body.errors?.[0]?.extensions?.code;
    opts.log.warn({ requestId, status, errors: body.errors }, 'external identity not provisioned');
    // The subgraph's verdict on the token's content (e.g. a tenant that does not exist) is the
    // caller's problem; anything else (a refused claims token, a failure) is an outage.
    if (code === 'FORBIDDEN' || code === 'BAD_USER_INPUT')
      throw new TokenError('invalid', `external identity refused: ${body.errors?.[0]?.message ?? code}`);
    throw new TokenError('unavailable', `external identity unavailable: HTTP ${status} ${code ?? ''}`.trim());
  }

  return {
    stats,
    async map(issuer, claims, caller) {
      const roles = [...claims.roles].sort();
      const input = {
        issuer,
        subject: claims.sub,
        tenantId: claims.tenantId.toLowerCase(),
        email: claims.email,
        name: claims.name,
        roles,
      };
      // Everything the subgraph records is in the key: new roles (or a new tenant) in a later
      // token are passed on at once, not after the entry expires.
      const key = JSON.stringify(input);
      let userId = cache.get(key);
      if (userId) stats.cacheHits++;
      else {
        let pending = inFlight.get(key);
        if (!pending) {
          pending = provision(input).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        userId = await pending;
        cache.set(key, userId);
      }
      return { ...caller, userId };
    },
  };
}
