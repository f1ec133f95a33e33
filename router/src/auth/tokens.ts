// Access-token verification: which issuers the router trusts, with which keys and algorithms, and
// the cache that spares a token already verified from being verified again until it expires.
import { createHash } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { accessClaimsSchema, userCallerFromClaims, type UserCaller } from '@eventzr/lib/claims';
import type { RouterEnv } from '../config.ts';
import type { SubgraphEndpoint } from '../supergraph.ts';
import type { ExternalIdentities } from './external-identities.ts';

/** A kid is looked up in a key set: only a plain token of URL-safe characters is ever used for that. */
const SAFE_KID = /^[A-Za-z0-9_-]{1,128}$/;
/** Far above any real access token; refuses absurd headers before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

export type TokenFailure = 'invalid' | 'expired' | 'unavailable';

/** A token the router does not accept. `unavailable`: the key set could not be fetched (not the caller's fault). */
export class TokenError extends Error {
  constructor(
    readonly failure: TokenFailure,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'TokenError';
  }
}

/** One trusted issuer: tokens whose `iss` is `issuer` are verified with `key` and nothing else. */
export interface TrustedIssuer {
  /** Recorded as UserCaller.issuer: which issuer vouched for the user. */
  label: string;
  issuer: string;
  audience: string;
  algorithms: string[];
  key: JWTVerifyGetKey | Uint8Array;
  /**
   * An issuer outside this platform (Auth0): its subjects are not user ids here, so each is
   * mapped to one (external-identities.ts) before the caller is used.
   */
  external?: boolean;
}

export interface TokenStats {
  /** Signature verifications actually run (a cache hit runs none). */
  verifications: number;
  cacheHits: number;
}

export interface TokenVerifier {
  verify(token: string): Promise<UserCaller>;
  readonly stats: TokenStats;
}

export interface TrustOptions {
  /** Key sets to use instead of fetching them (tests: jose createLocalJWKSet). */
  keySets?: { auth?: JWTVerifyGetKey; auth0?: JWTVerifyGetKey };
  /** The supergraph's subgraphs (URLs as overridden): the token issuer's JWKS is served by one of them. */
  subgraphs?: readonly SubgraphEndpoint[];
}

/**
 * Where the access tokens' keys are: AUTH_JWKS_URL, else /.well-known/jwks.json at the origin of
 * the token-issuing subgraph (TOKEN_ISSUER_SUBGRAPH) as the router reaches it.
 */
export function authJwksUrl(
  config: Pick<RouterEnv, 'AUTH_JWKS_URL' | 'TOKEN_ISSUER_SUBGRAPH'>,
  subgraphs: readonly SubgraphEndpoint[] = [],
): URL {
  if (config.AUTH_JWKS_URL) return new URL(config.AUTH_JWKS_URL);
  const issuer = subgraphs.find((s) => s.name === config.TOKEN_ISSUER_SUBGRAPH);
  if (!issuer)
    throw new Error(
      `TOKEN_ISSUER_SUBGRAPH "${config.TOKEN_ISSUER_SUBGRAPH}" is not a subgraph of the supergraph: set AUTH_JWKS_URL`,
    );
  return new URL('/.well-known/jwks.json', issuer.url);
}

/** The issuers this configuration trusts. */
export function trustedIssuers(config: RouterEnv, opts: TrustOptions = {}): TrustedIssuer[] {
  const remote = (url: URL) =>
    createRemoteJWKSet(url, {
      // A token with an unknown kid refetches the set (key rotation), at most once per cooldown.
      cooldownDuration: config.JWKS_COOLDOWN_SECONDS * 1000,
      // A retired key leaves the issuer's JWKS; it is dropped here within this time.
      cacheMaxAge: config.JWKS_CACHE_MAX_AGE_SECONDS * 1000,
      timeoutDuration: 5000,
    });
  const issuers: TrustedIssuer[] = [
    {
      label: 'auth',
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      algorithms: ['RS256'],
      key: opts.keySets?.auth ?? remote(authJwksUrl(config, opts.subgraphs)),
    },
  ];
  if (config.AUTH0_DOMAIN && config.AUTH0_ISSUER && config.AUTH0_AUDIENCE) {
    issuers.push({
      label: 'auth0',
      issuer: config.AUTH0_ISSUER,
      audience: config.AUTH0_AUDIENCE,
      algorithms: ['RS256'],
      key: opts.keySets?.auth0 ?? remote(new URL(`https://${config.AUTH0_DOMAIN}/.well-known/jwks.json`)),
      external: true,
    });
  }
  // Config refuses DEV_JWT_SECRET in production; this is the development and test convenience.
  if (config.DEV_JWT_SECRET && config.NODE_ENV !== 'production') {
    issuers.push({
      label: 'development',
      issuer: config.DEV_JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      algorithms: ['HS256'],
      key: new TextEncoder().encode(config.DEV_JWT_SECRET),
    });
  }
  return issuers;
}

interface Cached {
  caller: UserCaller;
  expiresAtMs: number;
}

export interface TokenVerifierOptions {
  issuers: TrustedIssuer[];
  clockToleranceSeconds: number;
  cacheMax: number;
  /** Maps an external issuer's subjects to user ids; without it their tokens are refused. */
  externalIdentities?: ExternalIdentities;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

function failureOf(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  if (err instanceof joseErrors.JWTExpired) return new TokenError('expired', 'token expired');
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid)
    return new TokenError('unavailable', `key set unavailable: ${err.code}`);
  // jose throws its plain JOSEError only from the remote key set fetch (a non-200 answer, or a
  // body that is not JSON); every verdict on a token is a subclass with its own code.
  if (err instanceof joseErrors.JOSEError && err.code === joseErrors.JOSEError.code)
    return new TokenError('unavailable', `key set unavailable: ${err.message}`);
  if (err instanceof joseErrors.JOSEError) return new TokenError('invalid', err.code);
  // Not a JOSE error: the key set fetch itself failed (connection refused, DNS...).
  return new TokenError('unavailable', `key set unavailable: ${(err as Error).message}`);
}

function deepFreeze(caller: UserCaller): UserCaller {
  Object.freeze(caller.roles);
  Object.freeze(caller.permissions);
  return Object.freeze(caller);
}

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const now = opts.now ?? Date.now;
  const byIssuer = new Map<string, TrustedIssuer>();
  for (const i of opts.issuers) {
    if (byIssuer.has(i.issuer)) throw new Error(`two trusted issuers share iss "${i.issuer}"`);
    byIssuer.set(i.issuer, i);
  }
  const cache = new LRUCache<string, Cached>({ max: opts.cacheMax });
  const stats: TokenStats = { verifications: 0, cacheHits: 0 };

  async function verifyUncached(token: string): Promise<Cached> {
    // Header and payload are only read to pick the verifier; nothing in them is trusted yet.
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw new TokenError('invalid', 'malformed token');
    }
    if (header.kid !== undefined && (typeof header.kid !== 'string' || !SAFE_KID.test(header.kid)))
      throw new TokenError('invalid', 'unsafe kid');
    const issuer = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
    if (!issuer) throw new TokenError('invalid', 'untrusted issuer');
    if (typeof header.alg !== 'string' || !issuer.algorithms.includes(header.alg))
      throw new TokenError('invalid', `algorithm ${String(header.alg)} not allowed for this issuer`);

    stats.verifications++;
    const { payload } = await jwtVerify(token, issuer.key as JWTVerifyGetKey, {
      issuer: issuer.issuer,
      audience: issuer.audience,
      algorithms: issuer.algorithms,
      requiredClaims: ['exp', 'sub', 'tenantId'],
      clockTolerance: opts.clockToleranceSeconds,
      currentDate: new Date(now()),
    });
    const claims = accessClaimsSchema.safeParse(payload);
    if (!claims.success) throw new TokenError('invalid', 'claims do not match the access token shape');
    let caller = userCallerFromClaims(claims.data, issuer.label);
    if (issuer.external) {
      // A subject of another issuer is no user id here: used as one it would name nobody (`me`
      // UNAUTHENTICATED, Job.createdBy null), or, worse, whoever holds that id.
      if (!opts.externalIdentities) throw new TokenError('invalid', 'external issuer without identity mapping');
      caller = await opts.externalIdentities.map(issuer.issuer, claims.data, caller);
    }
    return {
      caller: deepFreeze(caller),
      expiresAtMs: (payload.exp as number) * 1000,
    };
  }

  return {
    stats,
    async verify(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new TokenError('invalid', 'token length');
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = cache.get(key);
      if (hit) {
        // Never served past the token's own exp, whatever the cache's clock says.
        if (hit.expiresAtMs > now()) {
          stats.cacheHits++;
          return hit.caller;
        }
        cache.delete(key);
      }
      let verified: Cached;
      try {
        verified = await verifyUncached(token);
      } catch (err) {
        throw failureOf(err);
      }
      const ttl = verified.expiresAtMs - now();
      if (ttl > 0) cache.set(key, verified, { ttl });
      return verified.caller;
    },
  };
}
