// Issue 8, accounts: what registration under someone else's email can no longer do, and the equal
// work of login and reset for known and unknown emails, counted (argon2 calls through
// passwords.ts's counter, SQL statements through lib's countStatements), never timed.
import { sql } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '@eventzr/lib/claims';
import { DEV_PASSWORD } from '@eventzr/lib/dev-seed';
import { countStatements } from '@eventzr/lib/testing';
import { loginCandidate } from '../repositories/identities.ts';
import { CONTRACT, TENANT_A, TEST_CONFIG, devUser, firstError, startAuth, type StartedAuth } from '../test-support.ts';
import { passwordWork } from './passwords.ts';
import { INVALID_CREDENTIALS } from './sessions.ts';

let auth: StartedAuth;
let jwks: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  auth = await startAuth();
  jwks = createLocalJWKSet((await (await fetch(auth.jwksUrl)).json()) as JSONWebKeySet);
});
afterAll(() => auth?.sg.close());

const OWNER = 'admin@eventzr.com';
const LOGIN = `mutation ($input: LoginInput!) { login(input: $input) { accessToken } }`;
const REGISTER = `mutation ($input: RegisterInput!) { register(input: $input) { user { id email name createdAt tenant { id name planTier createdAt } } } }`;

const login = (email: string, password: string, tenantId?: string) =>
  auth.sg.exec<{ login: { accessToken: string } }>(ANONYMOUS, LOGIN, {
    input: { email, password, ...(tenantId ? { tenantId } : {}) },
  });
const register = (email: string, password = 'Intrud3rPass', name = 'Intruder') =>
  auth.sg.exec<{ register: { user: Record<string, unknown> & { tenant: Record<string, unknown> } } }>(
    ANONYMOUS,
    REGISTER,
    { input: { email, password, name } },
  );
const reset = (email: string) => auth.sg.exec(ANONYMOUS, CONTRACT.RequestPasswordReset, { email });

/** The argon2 work and SQL statements `fn` costs. */
async function work<T>(fn: () => Promise<T>) {
  const before = { ...passwordWork };
  const { result, statements } = await countStatements(auth.sg.database, fn);
  return {
    result,
    statements,
    hashes: passwordWork.hashes - before.hashes,
    verifications: passwordWork.verifications - before.verifications,
  };
}

/** What the database holds for an email: its identity and memberships (as a login would read them). */
const holdings = (email: string) =>
  auth.sg.database.run({ settings: { 'app.login_email': email } }, (tx) => loginCandidate(tx, email));

describe('registration under a taken email', () => {
  it('answers exactly like a success: same shape, status and work; nothing is kept', async () => {
    const before = await holdings(OWNER);
    const fresh = await work(() => register('first.time@example.com'));
    const taken = await work(() => register('Admin@EventZR.com'));
    expect(taken.result.status).toBe(fresh.result.status);
    expect(taken.result.body.errors).toBeUndefined();
    const shape = (u: Record<string, unknown>) =>
      JSON.stringify(u, (_k, v: unknown) => (typeof v === 'object' ? v : typeof v));
    expect(shape(taken.result.body.data!.register.user)).toBe(shape(fresh.result.body.data!.register.user));
    expect(taken.result.body.data!.register.user).toMatchObject({
      email: 'Admin@EventZR.com',
      tenant: { planTier: 'FREE' },
    });
    // The same argon2 hash and the same statements (the membership insert runs and inserts nothing).
    expect([taken.hashes, taken.verifications, taken.statements]).toEqual([
      fresh.hashes,
      fresh.verifications,
      fresh.statements,
    ]);

    // The owner's identity, password hash and memberships are untouched; no membership added.
    expect(await holdings(OWNER)).toEqual(before);
    // The answered tenant and user were never stored.
    const ghostTenant = taken.result.body.data!.register.user.tenant.id as string;
    const stored = await auth.sg.database.run({ tenantId: ghostTenant }, (tx) =>
      tx.execute(
        sql`select (select count(*) from tenants)::int as tenants, (select count(*) from users)::int as users`,
      ),
    );
    expect((stored as unknown as { rows: unknown[] }).rows).toEqual([{ tenants: 0, users: 0 }]);
    // The intruder's password opens nothing; the owner's still opens their tenant.
    expect(firstError(await login(OWNER, 'Intrud3rPass'))).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: INVALID_CREDENTIALS,
    });
    const own = await login(OWNER, DEV_PASSWORD);
    const { payload } = await jwtVerify(own.body.data!.login.accessToken, jwks, {
      issuer: TEST_CONFIG.issuer,
      audience: TEST_CONFIG.audience,
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({ sub: devUser(OWNER).id, tenantId: TENANT_A.id, roles: ['admin'] });
  });

  it("50 registrations under the owner's email leave the owner's login at one password verification", async () => {
    const cost = async () => (await work(() => login(OWNER, DEV_PASSWORD))).verifications;
    const wrongCost = async () => (await work(() => login(OWNER, 'NotThePassw0rd'))).verifications;
    expect([await cost(), await wrongCost()]).toEqual([1, 1]);
    for (let i = 0; i < 50; i++) {
      const res = await register(i % 2 ? OWNER : OWNER.toUpperCase(), `Squat${i}Pass`, `Squatter ${i}`);
      expect(res.body.errors).toBeUndefined();
    }
    expect([await cost(), await wrongCost()]).toEqual([1, 1]);
    expect((await holdings(OWNER)).accounts).toHaveLength(1);
  }, 120_000);

  it('a fresh email registers for real (allowed): identity, tenant and membership, and it signs in', async () => {
    const res = await register('really.new@example.com', 'Abcdefg1', 'Really New');
    const held = await holdings('really.new@example.com');
    expect(held.identity?.email).toBe('really.new@example.com');
    expect(held.accounts.map((a) => [a.user.id, a.tenant.id, a.user.roles])).toEqual([
      [res.body.data!.register.user.id, res.body.data!.register.user.tenant.id, ['admin']],
    ]);
    expect((await login('really.new@example.com', 'Abcdefg1')).body.errors).toBeUndefined();
  });
});

describe('equal work for known and unknown emails', () => {
  it('login: an unknown email runs the statements and the one verification a wrong password does', async () => {
    await login('warm.up@nowhere.example', 'x'); // the dummy hash is made once per process
    const known = await work(() => login(OWNER, 'NotThePassw0rd'));
    const unknown = await work(() => login('nobody.at.all@example.com', 'NotThePassw0rd'));
    expect(firstError(known.result)).toEqual(firstError(unknown.result));
    expect({ statements: unknown.statements, hashes: unknown.hashes, verifications: unknown.verifications }).toEqual({
      statements: known.statements,
      hashes: known.hashes,
      verifications: known.verifications,
    });
    expect(known.verifications).toBe(1);
  });

  it('requestPasswordReset: the same statements and no hashing, known or not (the sender works later)', async () => {
    const known = await work(() => reset(OWNER));
    const unknown = await work(() => reset('nobody.at.all@example.com'));
    expect(known.result.body).toEqual(unknown.result.body);
    expect([unknown.statements, unknown.hashes, unknown.verifications]).toEqual([
      known.statements,
      known.hashes,
      known.verifications,
    ]);
    // One INSERT into the queue (plus, on PGlite, the statement that sets the role).
    expect(known.statements).toBeGreaterThan(0);
    expect(known.hashes + known.verifications).toBe(0);
  });
});
