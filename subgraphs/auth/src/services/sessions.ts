// The auth flows behind the mutations: login, refresh-token rotation, logout, registration and
// password-reset requests. Resolvers validate input and call these; all SQL is in repositories/.
import { randomUUID } from 'node:crypto';
import type { UserCaller } from '@eventzr/lib/claims';
import type { Database } from '@eventzr/lib/db';
import { badUserInput, unauthenticated } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import type { AuthConfig } from '../config.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { insertPasswordIdentity, loginCandidate } from '../repositories/identities.ts';
import { enqueueResetRequest } from '../repositories/password-resets.ts';
import {
  insertRefreshToken,
  lockFamily,
  markRotated,
  refreshTokenByHash,
  revokeFamily,
} from '../repositories/refresh-tokens.ts';
import { enterTenant } from '../repositories/scope.ts';
import { insertTenant } from '../repositories/tenants.ts';
import type { TenantRow, UserRow } from '../db/schema.ts';
import { accountById, insertUserIf, type Account } from '../repositories/users.ts';
import {
  OPAQUE_TOKEN,
  TOKEN_TYPE,
  accessClaimsOf,
  hashOpaqueToken,
  newOpaqueToken,
  type TokenIssuer,
} from './tokens.ts';

export interface AuthDeps {
  database: Database;
  issuer: TokenIssuer;
  config: AuthConfig;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}

/** One message for an unknown email and a wrong password: a login never tells which. */
export const INVALID_CREDENTIALS = 'Invalid email or password';
export const INVALID_REFRESH_TOKEN = 'Invalid or expired refresh token';

/** How an email is compared: the unique index is on lower(email). */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

async function signFor(deps: AuthDeps, account: Account, refreshToken: string): Promise<Session> {
  const { accessToken, expiresIn } = await deps.issuer.sign(accessClaimsOf(account.user, account.tenant));
  return { accessToken, refreshToken, expiresIn, tokenType: TOKEN_TYPE };
}

/**
 * Password login. An email has at most one identity (platform-wide), so a login verifies exactly
 * one password: the identity's, or, for an unknown email, a dummy hash; the same statements run
 * either way (one lookup of the identity with its memberships). Only once the password is right
 * does the caller learn anything: with several memberships and no `tenantId` they are asked to
 * choose (BAD_USER_INPUT listing the tenants, which the password holder may know); a `tenantId`
 * the identity is no member of is refused like a wrong password.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; tenantId?: string | undefined },
  log: Logger,
): Promise<Session> {
  const email = normalizeEmail(input.email);
  const { identity, accounts } = await deps.database.run({ settings: { 'app.login_email': email } }, (tx) =>
    loginCandidate(tx, email),
  );
  const opened = identity?.passwordHash
    ? await verifyPassword(identity.passwordHash, input.password)
    : (await verifyAgainstDummy(input.password), false);
  if (!opened) {
    if (identity) log.info({ event: 'login_failed', identityId: identity.id }, 'login refused: wrong password');
    throw unauthenticated(INVALID_CREDENTIALS);
  }
  const tenantId = input.tenantId?.toLowerCase();
  const candidates = tenantId ? accounts.filter((a) => a.user.tenantId === tenantId) : accounts;
  const [account, ...others] = candidates;
  if (!account) {
    log.info({ event: 'login_failed', identityId: identity!.id }, 'login refused: no membership in that tenant');
    throw unauthenticated(INVALID_CREDENTIALS);
  }
  if (others.length > 0) {
    throw badUserInput('This account belongs to several tenants: choose one with `tenantId`', {
      field: 'tenantId',
      tenants: candidates.map((a) => ({ id: a.tenant.id, name: a.tenant.name })),
    });
  }
  const refresh = newOpaqueToken();
  const now = new Date();
  await deps.database.run({ tenantId: account.user.tenantId }, (tx) =>
    insertRefreshToken(tx, {
      id: randomUUID(),
      tenantId: account.user.tenantId,
      userId: account.user.id,
      familyId: randomUUID(),
      tokenHash: refresh.hash,
      createdAt: now,
      expiresAt: addSeconds(now, deps.config.refreshTokenTtlSeconds),
    }),
  );
  log.info({ event: 'login', userId: account.user.id, tenantId: account.user.tenantId }, 'login');
  return signFor(deps, account, refresh.token);
}

type RefreshOutcome =
  | { kind: 'ok'; account: Account; refreshToken: string }
  | { kind: 'unknown' | 'revoked' | 'expired' }
  | { kind: 'reused'; familyId: string; tenantId: string; revoked: number };

/**
 * Rotation: a live refresh token is exchanged once for a new one of the same family. Presenting
 * a token that was already rotated means two parties hold it (one of them a thief), so the whole
 * family is revoked and the request refused; the revocation commits before the refusal.
 */
export async function refresh(deps: AuthDeps, presented: string, log: Logger): Promise<Session> {
  if (!OPAQUE_TOKEN.test(presented)) throw unauthenticated(INVALID_REFRESH_TOKEN);
  const hash = hashOpaqueToken(presented);
  const outcome = await deps.database.run(
    { settings: { 'app.refresh_token_hash': hash } },
    async (tx): Promise<RefreshOutcome> => {
      const found = await refreshTokenByHash(tx, hash);
      if (!found) return { kind: 'unknown' };
      await enterTenant(tx, found.tenantId);
      await lockFamily(tx, found.familyId);
      // Read again under the lock: a rotation or revocation of the family may have committed
      // while this transaction waited for it.
      const row = await refreshTokenByHash(tx, hash);
      if (!row) return { kind: 'unknown' };
      const now = new Date();
      if (row.revokedAt) return { kind: 'revoked' };
      const reused = async (): Promise<RefreshOutcome> => ({
        kind: 'reused',
        familyId: row.familyId,
        tenantId: row.tenantId,
        revoked: await revokeFamily(tx, row.familyId, now),
      });
      if (row.rotatedAt) return reused();
      if (row.expiresAt <= now) return { kind: 'expired' };
      if (!(await markRotated(tx, row.id, now))) return reused();
      const account = await accountById(tx, row.userId);
      if (!account) return { kind: 'unknown' };
      const next = newOpaqueToken();
      await insertRefreshToken(tx, {
        id: randomUUID(),
        tenantId: row.tenantId,
        userId: row.userId,
        familyId: row.familyId,
        tokenHash: next.hash,
        createdAt: now,
        expiresAt: addSeconds(now, deps.config.refreshTokenTtlSeconds),
      });
      return { kind: 'ok', account, refreshToken: next.token };
    },
  );
  if (outcome.kind === 'reused') {
    log.warn(
      {
        event: 'refresh_token_reuse',
        familyId: outcome.familyId,
        tenantId: outcome.tenantId,
        revoked: outcome.revoked,
      },
      'rotated refresh token presented again: family revoked',
    );
  }
  if (outcome.kind !== 'ok') throw unauthenticated(INVALID_REFRESH_TOKEN);
  return signFor(deps, outcome.account, outcome.refreshToken);
}

/**
 * Revokes the family of one of the caller's own refresh tokens (their session on one device).
 * Access tokens already issued stay valid until they expire (at most ACCESS_TOKEN_TTL_SECONDS):
 * they are verified without a database round trip.
 */
export async function logout(deps: AuthDeps, caller: UserCaller, presented: string): Promise<boolean> {
  if (!OPAQUE_TOKEN.test(presented)) return false;
  const hash = hashOpaqueToken(presented);
  return deps.database.run({ tenantId: caller.tenantId }, async (tx) => {
    const row = await refreshTokenByHash(tx, hash);
    if (!row || row.userId !== caller.userId) return false;
    // Owner and family never change, so nothing needs reading again; the lock makes the revocation
    // wait for a rotation in flight and so also revoke the token it is creating.
    await lockFamily(tx, row.familyId);
    await revokeFamily(tx, row.familyId, new Date());
    return true;
  });
}

/** Thrown inside registration's transaction to undo it (the email is taken); never leaves this module. */
class TakenEmail extends Error {}

/**
 * Public self-registration always creates a NEW tenant (plan free) with the new user as its
 * admin. Joining an existing tenant needs that tenant's consent (an invitation by its admin);
 * letting an anonymous caller name a tenant to join would let anyone into anyone's data.
 *
 * An email has one identity platform-wide. Registering one that is taken answers exactly like a
 * success (same shape, same status, the same argon2 hash and the same statements: the membership
 * insert runs and inserts nothing) and then rolls everything back, so the owner's identity,
 * password, tenants and login cost are untouched and nothing is kept: the `user` answered is the
 * account that would have been made, never stored (see the README, "Registration").
 */
export async function register(
  deps: AuthDeps,
  input: { email: string; password: string; name: string; tenantName?: string | undefined },
  log: Logger,
): Promise<Account> {
  const passwordHash = await hashPassword(input.password);
  const now = new Date();
  const tenantId = randomUUID();
  const identityId = randomUUID();
  const tenant: TenantRow = { id: tenantId, name: input.tenantName ?? input.name, planTier: 'free', createdAt: now };
  const user: UserRow = {
    id: randomUUID(),
    tenantId,
    identityId,
    email: input.email,
    name: input.name,
    roles: ['admin'],
    createdAt: now,
    updatedAt: now,
  };
  try {
    return await deps.database.run(
      { settings: { 'app.tenant_id': tenantId, 'app.login_email': normalizeEmail(input.email) } },
      async (tx) => {
        const madeTenant = await insertTenant(tx, tenant);
        const fresh = await insertPasswordIdentity(tx, {
          id: identityId,
          email: input.email,
          name: input.name,
          passwordHash,
          createdAt: now,
        });
        await insertUserIf(tx, fresh, user);
        if (!fresh) throw new TakenEmail();
        return { user, tenant: madeTenant };
      },
    );
  } catch (err) {
    if (!(err instanceof TakenEmail)) throw err;
    // Visible to operators only; the owner could be told by mail once a mail service exists.
    log.info(
      { event: 'register_taken_email' },
      'registration under a taken email: answered as a success, nothing kept',
    );
    return { user, tenant };
  }
}

/**
 * Queues a reset request and answers. The request path does the same work for every email, known
 * or not: one INSERT into the queue, no lookup, no hashing. The background sender
 * (services/resets.ts) issues and delivers the token later, when the email has an identity.
 */
export async function requestPasswordReset(
  deps: AuthDeps,
  input: { email: string; tenantId?: string | undefined },
): Promise<void> {
  const email = normalizeEmail(input.email);
  await deps.database.run({ settings: {} }, (tx) =>
    enqueueResetRequest(tx, {
      id: randomUUID(),
      email,
      onlyTenantId: input.tenantId?.toLowerCase() ?? null,
      requestedAt: new Date(),
    }),
  );
}
