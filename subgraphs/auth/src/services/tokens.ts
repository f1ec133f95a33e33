// Access tokens, the RS256 signing key behind them, and the opaque refresh/reset tokens.
//
// Exported for other code that needs real tokens (e.g. the router's tests can mint one with the
// auth subgraph's key): loadSigningKeys + createTokenIssuer + accessClaimsOf.
import { createHash, randomBytes } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { Database } from '@eventzr/lib/db';
import { effectivePermissions, normalizeRoles } from '@eventzr/lib/permissions';
import type { SigningKeyRow, TenantRow, UserRow, signingKeys } from '../db/schema.ts';
import { insertKeyIfNoneActive, publishedKeys } from '../repositories/signing-keys.ts';

export const ACCESS_TOKEN_ALG = 'RS256';
export const TOKEN_TYPE = 'Bearer';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface SigningKeys {
  /** The key new tokens are signed with. */
  active: { kid: string; privateKey: CryptoKey };
  /** Public keys a verifier may meet (the active one and recently retired ones). */
  jwks: { keys: JWK[] };
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

async function newKeyRow(): Promise<typeof signingKeys.$inferInsert> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  // The RFC 7638 thumbprint: a kid that is derived from the key itself, URL-safe and stable.
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg: ACCESS_TOKEN_ALG, publicJwk: { ...jwk }, privateKey: await exportPKCS8(privateKey) };
}

function publicJwkOf(row: SigningKeyRow): JWK {
  const { kty, n, e } = row.publicJwk as { kty?: string; n?: string; e?: string };
  // Only the public members, whatever else the row holds.
  return { kty, n, e, kid: row.kid, alg: row.alg, use: 'sig' };
}

/**
 * The installation's signing keys, read from the database so that every replica signs with the
 * same key and serves the same JWKS; on first start one is made. The private key is kept as PKCS#8
 * in the auth database, whose access is the auth service's alone (a KMS-wrapped key would be the
 * next step up).
 */
export async function loadSigningKeys(
  database: Database,
  settings: Pick<AccessTokenSettings, 'ttlSeconds'>,
): Promise<SigningKeys> {
  const read = () => database.run({ settings: {} }, (tx) => publishedKeys(tx, settings.ttlSeconds));
  let rows = await read();
  if (!rows.some((r) => r.retiredAt === null)) {
    const row = await newKeyRow();
    await database.run({ settings: {} }, (tx) => insertKeyIfNoneActive(tx, row));
    rows = await read();
  }
  const active = rows.find((r) => r.retiredAt === null);
  if (!active) throw new Error('no active signing key after creating one');
  return {
    active: { kid: active.kid, privateKey: await importPKCS8(active.privateKey, ACCESS_TOKEN_ALG) },
    jwks: { keys: rows.map(publicJwkOf) },
  };
}

export interface TokenIssuer {
  readonly settings: AccessTokenSettings;
  readonly jwks: { keys: JWK[] };
  /** Signs an access token; returns it with its lifetime in seconds. */
  sign(claims: AccessTokenClaims): Promise<{ accessToken: string; expiresIn: number }>;
}

export function createTokenIssuer(keys: SigningKeys, settings: AccessTokenSettings): TokenIssuer {
  return {
    settings,
    jwks: keys.jwks,
    async sign(claims) {
      const { sub, ...rest } = claims;
      const accessToken = await new SignJWT({ ...rest })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.active.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt()
        .setExpirationTime(`${settings.ttlSeconds}s`)
        .sign(keys.active.privateKey);
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
