// The router-signed claims token: how a subgraph learns who is calling.
//
// The router mints one per subgraph request: short-lived, addressed to that subgraph (aud) and
// bound to a hash of the exact operation and variables it carries (oph). A token captured in
// transit therefore cannot be replayed against another subgraph or for another operation, nor
// (lib/replay: each subgraph remembers the `jti`s it accepted until they expire) a second time for
// the same one; a subgraph reached directly with hand-made identity headers serves nothing.
import { createHash, randomUUID } from 'node:crypto';
import {
  SignJWT,
  errors as joseErrors,
  importPKCS8,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type KeyObject,
} from 'jose';
import { z } from 'zod';
import { MAX_JSON_DEPTH } from './inputs.ts';
import { effectivePermissions, normalizeRoles, type Role } from './permissions.ts';
import type { ReplayGuard } from './replay.ts';

export const CLAIMS_HEADER = 'x-eventzr-claims';
export const CLAIMS_ISSUER = 'eventzr-router';
/** Clock skew a subgraph allows on a claims token's `exp` and `iat` (and the replay memory adds to its life). */
export const CLAIMS_CLOCK_TOLERANCE_SECONDS = 5;

export type UserCaller = {
  kind: 'user';
  userId: string;
  tenantId: string;
  email: string;
  name: string;
  roles: Role[];
  /** Effective permissions: granted by roles plus the token's own `permissions`. */
  permissions: string[];
  planTier: string;
  /** Which trusted issuer vouched for the user (auth subgraph, Auth0, development). */
  issuer: string;
};
export type InternalCaller = { kind: 'internal'; service: string };
export type AnonymousCaller = { kind: 'anonymous' };
export type Caller = UserCaller | InternalCaller | AnonymousCaller;

export const ANONYMOUS: AnonymousCaller = Object.freeze({ kind: 'anonymous' });

/** The verified claims of an access token, as the router sees them. */
export const accessClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  tenantId: z.string().uuid(),
  email: z.string().max(320).default(''),
  name: z.string().max(200).default(''),
  roles: z.array(z.string().max(64)).max(32).default([]),
  permissions: z.array(z.string().max(128)).max(256).default([]),
  planTier: z.string().max(64).default('free'),
});
export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export function userCallerFromClaims(claims: AccessClaims, issuer: string): UserCaller {
  return {
    kind: 'user',
    userId: claims.sub,
    tenantId: claims.tenantId,
    email: claims.email,
    name: claims.name,
    roles: normalizeRoles(claims.roles),
    permissions: effectivePermissions(claims.roles, claims.permissions),
    planTier: claims.planTier,
    issuer,
  };
}

/**
 * Deepest nesting of arrays and objects canonicalJson accepts in a request's variables (the
 * outermost one is level 1). JSON.parse takes any depth, but hashing recurses: a 20 000-level
 * variable overflowed the stack. The router refuses deeper variables up front, so a subgraph never
 * sees one from it. Twice lib/inputs' limit for one JSON input value: room for the input objects
 * that carry such a value, so whatever an input rule accepts also travels.
 */
export const MAX_VARIABLES_DEPTH = 2 * MAX_JSON_DEPTH;

/** A value nested deeper than MAX_VARIABLES_DEPTH: the caller's input, not a fault of ours. */
export class JsonDepthError extends Error {
  constructor() {
    super(`JSON nested deeper than ${MAX_VARIABLES_DEPTH} levels`);
    this.name = 'JsonDepthError';
  }
}

/** Whether `value` nests arrays and objects deeper than `max` levels; stops looking at max + 1. */
export function jsonDeeperThan(value: unknown, max = MAX_VARIABLES_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max <= 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return children.some((v) => jsonDeeperThan(v, max - 1));
}

/**
 * Canonical JSON: object keys sorted, so both ends hash the same bytes for the same value.
 * Throws JsonDepthError beyond MAX_VARIABLES_DEPTH levels.
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (depth >= MAX_VARIABLES_DEPTH) throw new JsonDepthError();
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
}

/** The hash a claims token is bound to: the subgraph operation text and its variables. Throws JsonDepthError. */
export function operationHash(query: string, variables: unknown): string {
  return createHash('sha256')
    .update(query)
    .update('\n')
    .update(canonicalJson(variables ?? {}))
    .digest('base64url');
}

type Key = CryptoKey | KeyObject | Uint8Array;

export interface ClaimsSigner {
  sign(input: { caller: Caller; audience: string; opHash: string; requestId: string }): Promise<string>;
}
export interface ClaimsVerifier {
  verify(token: string, expect: { audience: string; opHash: string }): Promise<{ caller: Caller; requestId: string }>;
}

export interface ClaimsKeyConfig {
  ROUTER_CLAIMS_PRIVATE_KEY?: string | undefined;
  ROUTER_CLAIMS_PUBLIC_KEY?: string | undefined;
  ROUTER_CLAIMS_SECRET?: string | undefined;
  CLAIMS_TOKEN_TTL_SECONDS: number;
}

async function signingKey(cfg: ClaimsKeyConfig): Promise<{ key: Key; alg: 'EdDSA' | 'HS256' }> {
  if (cfg.ROUTER_CLAIMS_PRIVATE_KEY)
    return { key: await importPKCS8(cfg.ROUTER_CLAIMS_PRIVATE_KEY, 'EdDSA'), alg: 'EdDSA' };
  if (cfg.ROUTER_CLAIMS_SECRET) return { key: new TextEncoder().encode(cfg.ROUTER_CLAIMS_SECRET), alg: 'HS256' };
  throw new Error('no router claims signing key configured');
}

async function verifyingKey(cfg: ClaimsKeyConfig): Promise<{ key: Key; alg: 'EdDSA' | 'HS256' }> {
  if (cfg.ROUTER_CLAIMS_PUBLIC_KEY)
    return { key: await importSPKI(cfg.ROUTER_CLAIMS_PUBLIC_KEY, 'EdDSA'), alg: 'EdDSA' };
  if (cfg.ROUTER_CLAIMS_SECRET) return { key: new TextEncoder().encode(cfg.ROUTER_CLAIMS_SECRET), alg: 'HS256' };
  throw new Error('no router claims verification key configured');
}

export async function createClaimsSigner(cfg: ClaimsKeyConfig): Promise<ClaimsSigner> {
  const { key, alg } = await signingKey(cfg);
  const ttl = cfg.CLAIMS_TOKEN_TTL_SECONDS;
  return {
    async sign({ caller, audience, opHash, requestId }) {
      return new SignJWT({ caller, oph: opHash, rid: requestId })
        .setProtectedHeader({ alg, typ: 'eventzr-claims+jwt' })
        .setIssuer(CLAIMS_ISSUER)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttl}s`)
        .setJti(randomUUID())
        .setSubject(caller.kind === 'user' ? caller.userId : caller.kind)
        .sign(key);
    },
  };
}

const callerSchema: z.ZodType<Caller> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('user'),
    userId: z.string().min(1),
    tenantId: z.string().uuid(),
    email: z.string(),
    name: z.string(),
    roles: z.array(z.enum(['viewer', 'user', 'organizer', 'admin'])),
    permissions: z.array(z.string()),
    planTier: z.string(),
    issuer: z.string(),
  }),
  z.object({ kind: z.literal('internal'), service: z.string().min(1) }),
  z.object({ kind: z.literal('anonymous') }),
]);

export class ClaimsTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClaimsTokenError';
  }
}

export interface ClaimsVerifierOptions {
  /**
   * The replay memory (lib/replay): the verifier records each fully verified token's `jti` last,
   * after every other check, and refuses a second use. Without it, a token is good until it expires.
   */
  replay?: ReplayGuard;
}

export async function createClaimsVerifier(
  cfg: ClaimsKeyConfig,
  opts: ClaimsVerifierOptions = {},
): Promise<ClaimsVerifier> {
  const { key, alg } = await verifyingKey(cfg);
  return {
    async verify(token, expect) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [alg],
          issuer: CLAIMS_ISSUER,
          audience: expect.audience,
          requiredClaims: ['exp', 'iat', 'jti'],
          typ: 'eventzr-claims+jwt',
          clockTolerance: CLAIMS_CLOCK_TOLERANCE_SECONDS,
          maxTokenAge: `${cfg.CLAIMS_TOKEN_TTL_SECONDS + CLAIMS_CLOCK_TOLERANCE_SECONDS}s`,
        }));
      } catch (e) {
        if (e instanceof joseErrors.JOSEError) throw new ClaimsTokenError(`invalid claims token: ${e.code}`);
        throw e;
      }
      // A claims token lives seconds: one minted with a longer life was not minted by this router.
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > cfg.CLAIMS_TOKEN_TTL_SECONDS)
        throw new ClaimsTokenError('claims token lifetime exceeds the configured maximum');
      if (payload.oph !== expect.opHash) throw new ClaimsTokenError('claims token is bound to another operation');
      const parsed = callerSchema.safeParse(payload.caller);
      if (!parsed.success) throw new ClaimsTokenError('claims token carries no valid caller');
      // Last: only a token that passed every check above is remembered (requiredClaims: jti, exp).
      if (opts.replay) {
        if (typeof payload.jti !== 'string') throw new ClaimsTokenError('claims token id is malformed');
        await opts.replay.remember(expect.audience, payload.jti, payload.exp!);
      }
      return { caller: parsed.data, requestId: typeof payload.rid === 'string' ? payload.rid : randomUUID() };
    },
  };
}
