// Access tokens (signed with the key set's active key, services/signing-keys.ts) and the opaque
// refresh/reset tokens.
//
// Exported for other code that needs real tokens (e.g. the router's tests can mint one with the
// auth subgraph's key): createKeyStore + createTokenIssuer + accessClaimsOf.
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { effectivePermissions, normalizeRoles } from '@eventzr/lib/permissions';
import type { TenantRow, UserRow } from '../db/schema.ts';
import { ACCESS_TOKEN_ALG, type KeyStore } from './signing-keys.ts';

export { ACCESS_TOKEN_ALG };
export const TOKEN_TYPE = 'Bearer';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** The claims of an access token, minus the registered ones the signer adds. */
export interface AccessTokenClaims {
  sub: string;
  tenantId: string;
  email: string;
  name: string;
  /** Lowercase role names. */
  roles: string[];
  /** Effective permissions: what the roles grant (lib/permissions, the one table). */
  permissions: string[];
  planTier: string;
}

export function accessClaimsOf(
  user: Pick<UserRow, 'id' | 'tenantId' | 'email' | 'name' | 'roles'>,
  tenant: Pick<TenantRow, 'planTier'>,
): AccessTokenClaims {
  const roles = normalizeRoles(user.roles);
  return {
    sub: user.id,
    tenantId: user.tenantId,
    email: user.email,
    name: user.name,
    roles,
    permissions: effectivePermissions(roles),
    planTier: tenant.planTier,
  };
}

export interface TokenIssuer {
  readonly settings: AccessTokenSettings;
  /** The JWKS of the key set last read (the route serves `keys.current()`, which reads it fresh). */
  readonly jwks: { keys: JWK[] };
  /** Signs an access token with the key set's active key; returns it with its lifetime in seconds. */
  sign(claims: AccessTokenClaims): Promise<{ accessToken: string; expiresIn: number }>;
}

/** Signs with whichever key the store says is active now: a rotation switches it without a restart. */
export function createTokenIssuer(keys: KeyStore, settings: AccessTokenSettings): TokenIssuer {
  return {
    settings,
    get jwks() {
      return keys.last?.jwks ?? { keys: [] };
    },
    async sign(claims) {
      const { active } = await keys.current();
      const { sub, ...rest } = claims;
      const accessToken = await new SignJWT({ ...rest })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: active.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt()
        .setExpirationTime(`${settings.ttlSeconds}s`)
        .sign(active.privateKey);
      return { accessToken, expiresIn: settings.ttlSeconds };
    },
  };
}

/** 256 random bits, base64url: refresh and reset tokens. Only their hash is stored. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOpaqueToken(token) };
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** What newOpaqueToken makes; anything else cannot be a token we issued. */
export const OPAQUE_TOKEN = /^[A-Za-z0-9_-]{43}$/;
