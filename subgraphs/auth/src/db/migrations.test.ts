// The identities migration on a database deployed before it (0000-0003 with accounts in it):
// every account becomes a membership of one identity per email, with stable ids, and nothing
// else changes. Runs on PGlite and, under TEST_POSTGRES_URL, on PostgreSQL as the owner role
// without BYPASSRLS (the migration lifts FORCE on users for its own transaction only).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tx } from '@eventzr/lib/db';
import { assertCatalog, createTestDatabase, type TestDatabase } from '@eventzr/lib/testing';
import { loginCandidate } from '../repositories/identities.ts';
import { subgraph } from '../subgraph.ts';
import { security, users } from './schema.ts';

/** The migrations a deployed database had before identities: 0000_init to 0003_security. */
const BEFORE_IDENTITIES = 6;

const T1 = '10000000-0000-4000-8000-000000000001';
const T2 = '10000000-0000-4000-8000-000000000002';
const ALICE_1 = '10000000-0000-4000-8000-000000000101';
const ALICE_2 = '10000000-0000-4000-8000-000000000102';
const BOB = '10000000-0000-4000-8000-000000000103';

let database: TestDatabase;

async function fill(tx: Tx): Promise<void> {
  const inTenant = (id: string) => tx.execute(sql`select set_config('app.tenant_id', ${id}, true)`);
  await inTenant(T1);
  await tx.execute(sql`insert into tenants (id, name, created_at) values (${T1}, 'One', '2026-01-01T00:00:00Z')`);
  await tx.execute(sql`
    insert into users (id, tenant_id, email, name, password_hash, roles, created_at)
    values (${ALICE_1}, ${T1}, 'alice@example.com', 'Alice', 'hash-of-the-first', '{admin}', '2026-01-01T00:00:00Z'),
           (${BOB}, ${T1}, 'bob@example.com', 'Bob', 'hash-of-bob', '{viewer}', '2026-01-03T00:00:00Z')`);
  await inTenant(T2);
  await tx.execute(sql`insert into tenants (id, name, created_at) values (${T2}, 'Two', '2026-01-02T00:00:00Z')`);
  // The same email in a second tenant, registered later (e.g. by someone else).
  await tx.execute(sql`
    insert into users (id, tenant_id, email, name, password_hash, roles, created_at)
    values (${ALICE_2}, ${T2}, 'Alice@Example.com', 'Alice Two', 'hash-of-the-second', '{admin}', '2026-01-02T00:00:00Z')`);
  await tx.execute(sql`
    insert into refresh_tokens (id, tenant_id, user_id, family_id, token_hash, expires_at)
    values (gen_random_uuid(), ${T2}, ${ALICE_2}, gen_random_uuid(), 'h', now() + interval '1 day')`);
}

beforeAll(async () => {
  database = await createTestDatabase('auth_identities_upgrade', subgraph.migrationsFolder, {
    upgradeFrom: BEFORE_IDENTITIES,
    beforeUpgrade: fill,
  });
});
afterAll(() => database?.destroy());

describe('users → identities + memberships', () => {
  it('makes one identity per email from its earliest account, keeping every user id', async () => {
    const all = await database.asOwner(async (tx) => {
      await tx.execute(sql`select set_config('app.login_email', 'alice@example.com', true)`);
      return { alice: await loginCandidate(tx, 'alice@example.com') };
    });
    // The owner is bound by FORCE on PostgreSQL: it reads through the login policy, as a login does.
    const alice = all.alice.identity;
    expect(alice).toMatchObject({ id: ALICE_1, email: 'alice@example.com', passwordHash: 'hash-of-the-first' });
    expect(all.alice.accounts.map((a) => [a.user.id, a.tenant.id, a.user.identityId])).toEqual([
      [ALICE_1, T1, ALICE_1],
      [ALICE_2, T2, ALICE_1],
    ]);
  });

  it('keeps memberships, roles, names and refresh tokens as they were', async () => {
    for (const [tenant, expected] of [
      [
        T1,
        [
          [ALICE_1, ALICE_1, ['admin'], 'Alice'],
          [BOB, BOB, ['viewer'], 'Bob'],
        ],
      ],
      [T2, [[ALICE_2, ALICE_1, ['admin'], 'Alice Two']]],
    ] as const) {
      const rows = await database.run({ tenantId: tenant }, (tx) => tx.select().from(users).orderBy(users.name));
      expect(rows.map((u) => [u.id, u.identityId, u.roles, u.name])).toEqual(expected);
      const tokens = await database.run({ tenantId: tenant }, (tx) =>
        tx.execute(sql`select user_id from refresh_tokens`),
      );
      expect((tokens as unknown as { rows: unknown[] }).rows.length).toBe(tenant === T2 ? 1 : 0);
    }
  });

  it('leaves the catalog exactly as declared (users forced again, the new tables granted)', async () => {
    await assertCatalog(database, security);
  });
});
