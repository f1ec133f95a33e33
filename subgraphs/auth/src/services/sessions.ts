// The auth flows behind the mutations: login, refresh-token rotation, logout, registration and
// password-reset requests. Resolvers validate input and call these; all SQL is in repositories/.
import { randomUUID } from 'node:crypto';
import type { UserCaller } from '@eventzr/lib/claims';
import type { Database } from '@eventzr/lib/db';
import { badUserInput, unauthenticated } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import type { AuthConfig } from '../config.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { replaceResetToken } from '../repositories/password-resets.ts';
import {
  insertRefreshToken,
  lockFamily,
  markRotated,
  refreshTokenByHash,
  revokeFamily,
} from '../repositories/refresh-tokens.ts';
import { enterTenant } from '../repositories/scope.ts';
import { insertTenant } from '../repositories/tenants.ts';
import { accountById, accountsByEmail, insertUser, type Account } from '../repositories/users.ts';
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
 * Password login. An email may exist in several tenants (unique per tenant): the password is
 * checked against each of its accounts (or only the one in `tenantId`); when it opens more than
 * one and no tenant was named, the caller must choose, and only then learns the tenants, since
 * they already hold the password for each of them.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; tenantId?: string | undefined },
  log: Logger,
): Promise<Session> {
  const email = normalizeEmail(input.email);
  const found = await deps.database.run({ settings: { 'app.login_email': email } }, (tx) => accountsByEmail(tx, email));
  const candidates = input.tenantId ? found.filter((a) => a.user.tenantId === input.tenantId) : found;
  if (candidates.length === 0) {
    await verifyAgainstDummy(input.password);
    throw unauthenticated(INVALID_CREDENTIALS);
  }
  const matched: Account[] = [];
  // One at a time: a login costs at most one argon2 computation's memory at once. An email held
  // in n tenants costs n verifications, so timing can tell "several accounts" from "one or
  // none"; it never tells one from none (the dummy verification), which is what matters.
  // A rare case, and the alternative (always verifying some fixed count) would slow every login.
  for (const account of candidates) {
    if (await verifyPassword(account.user.passwordHash, input.password)) matched.push(account);
  }
  const [account, ...others] = matched;
  if (!account) {
    log.info({ event: 'login_failed', accounts: candidates.length }, 'login refused: wrong password');
    throw unauthenticated(INVALID_CREDENTIALS);
  }
  if (others.length > 0) {
    throw badUserInput('These credentials open accounts in several tenants: choose one with `tenantId`', {
      field: 'tenantId',
      tenants: matched.map((a) => ({ id: a.tenant.id, name: a.tenant.name })),
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

/**
 * Public self-registration always creates a NEW tenant (plan free) with the new user as its
 * admin. Joining an existing tenant needs that tenant's consent (an invitation by its admin);
 * letting an anonymous caller name a tenant to join would let anyone into anyone's data. Since
 * the tenant is new, an email already used in other tenants is no conflict, and the answer never
 * reveals whether it exists anywhere.
 */
export async function register(
  deps: AuthDeps,
  input: { email: string; password: string; name: string; tenantName?: string | undefined },
): Promise<Account> {
  const passwordHash = await hashPassword(input.password);
  const tenantId = randomUUID();
  return deps.database.run({ tenantId }, async (tx) => {
    const tenant = await insertTenant(tx, { id: tenantId, name: input.tenantName ?? input.name, planTier: 'free' });
    const user = await insertUser(tx, {
      id: randomUUID(),
      tenantId,
      email: input.email,
      name: input.name,
      passwordHash,
      roles: ['admin'],
    });
    return { user, tenant };
  });
}

/**
 * Stores a reset token (hashed, expiring) for each account holding the email (or only the one in
 * `tenantId`), and answers the same whether there is any. There is no mail service yet: until
 * one exists the raw token is written to the log in development only, never elsewhere. Delivery
 * will go through an outbox, so that sending mail never makes known emails answer slower.
 */
export async function requestPasswordReset(
  deps: AuthDeps,
  input: { email: string; tenantId?: string | undefined },
  log: Logger,
): Promise<void> {
  const email = normalizeEmail(input.email);
  const issued = await deps.database.run({ settings: { 'app.login_email': email } }, async (tx) => {
    const accounts = (await accountsByEmail(tx, email)).filter(
      (a) => !input.tenantId || a.user.tenantId === input.tenantId,
    );
    const out: Array<{ account: Account; token: string }> = [];
    for (const account of accounts) {
      const t = newOpaqueToken();
      const now = new Date();
      await enterTenant(tx, account.user.tenantId);
      await replaceResetToken(tx, {
        id: randomUUID(),
        tenantId: account.user.tenantId,
        userId: account.user.id,
        tokenHash: t.hash,
        createdAt: now,
        expiresAt: addSeconds(now, deps.config.passwordResetTtlSeconds),
      });
      out.push({ account, token: t.token });
    }
    return out;
  });
  for (const { account, token } of issued) {
    log.info(
      { event: 'password_reset_requested', userId: account.user.id, tenantId: account.user.tenantId },
      'password reset requested',
    );
    if (deps.config.nodeEnv === 'development') {
      log.info(
        { email: account.user.email, tenantId: account.user.tenantId, resetToken: token },
        'password reset token (development only: no mail service yet)',
      );
    }
  }
}
