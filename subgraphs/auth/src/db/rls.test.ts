// The database's own guarantees: the catalog holds exactly the security declaration (lib testing's
// catalog assertion), and raw repository queries show tenants kept apart and the pre-tenant
// lookup policies admitting only what they must.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_USERS } from '@eventzr/lib/dev-seed';
import type { Tx } from '@eventzr/lib/db';
import { assertCatalog, catalogProblemsAfter, createTestDatabase, type TestDatabase } from '@eventzr/lib/testing';
import { insertRefreshToken, refreshTokenByHash } from '../repositories/refresh-tokens.ts';
import { tenantsByIds } from '../repositories/tenants.ts';
import { externalIdentity, insertExternalIdentity, loginCandidate } from '../repositories/identities.ts';
import { ensureUser, usersByIds } from '../repositories/users.ts';
import { seedDevData } from '../seed.ts';
import { subgraph } from '../subgraph.ts';
import { TENANT_A, TENANT_B } from '../test-support.ts';
import { openRoleDatabase } from '@eventzr/lib/db';
import { readSigningKeys } from '../services/signing-keys.ts';
import { newOpaqueToken } from '../services/tokens.ts';
import { identities, refreshTokens, security, SIGNER_ROLE, signingKeys, tenants, users } from './schema.ts';

let database: TestDatabase;
const tokenA = newOpaqueToken();
const tokenB = newOpaqueToken();
const [userA] = DEV_USERS.filter((u) => u.tenantId === TENANT_A.id);
const [userB] = DEV_USERS.filter((u) => u.tenantId === TENANT_B.id);

beforeAll(async () => {
  database = await createTestDatabase('auth_rls', subgraph.migrationsFolder);
  await seedDevData(database);
  for (const [tenantId, userId, token] of [
    [TENANT_A.id, userA!.id, tokenA],
    [TENANT_B.id, userB!.id, tokenB],
  ] as const) {
    await database.run({ tenantId }, (tx) =>
      insertRefreshToken(tx, {
        id: crypto.randomUUID(),
        tenantId,
        userId,
        familyId: crypto.randomUUID(),
        tokenHash: token.hash,
        expiresAt: new Date(Date.now() + 3600_000),
      }),
    );
  }
});
afterAll(() => database?.destroy());

const rows = async <T>(tx: Tx, query: ReturnType<typeof sql>) =>
  ((await tx.execute(query)) as unknown as { rows: T[] }).rows;

/** Drizzle wraps the driver's error; the refusal is its cause (SQLSTATE 42501). */
async function expectRlsRefusal(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { cause?: { message?: string; code?: string } },
  );
  expect(error, 'the write should have been refused').toBeDefined();
  expect(error?.cause?.message).toMatch(/row-level security/);
  expect(error?.cause?.code).toBe('42501');
}

describe('catalog', () => {
  it('holds exactly the security declaration', async () => {
    await assertCatalog(database, security);
  });
});

describe('tenant scope', () => {
  it('a raw repository query in tenant A’s scope sees no tenant B rows', async () => {
    await database.run({ tenantId: TENANT_A.id }, async (tx) => {
      const everyone = await tx.select().from(users);
      expect(everyone.length).toBeGreaterThan(0);
      expect(everyone.every((u) => u.tenantId === TENANT_A.id)).toBe(true);
      expect(await usersByIds(tx, [userB!.id])).toEqual([]);
      expect((await tx.select().from(tenants)).map((t) => t.id)).toEqual([TENANT_A.id]);
      expect(await tenantsByIds(tx, [TENANT_B.id])).toEqual([]);
      expect((await tx.select().from(refreshTokens)).every((r) => r.tenantId === TENANT_A.id)).toBe(true);
      expect(await refreshTokenByHash(tx, tokenB.hash)).toBeNull();
      // Identities (and their password hashes) are out of every tenant scope's reach.
      expect(await tx.select().from(identities)).toEqual([]);
      // Counting is no side channel either.
      const counted = await rows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from users where tenant_id = ${TENANT_B.id}`,
      );
      expect(counted[0]?.n).toBe(0);
    });
  });

  it('refuses to write another tenant’s rows', async () => {
    await expectRlsRefusal(
      database.run({ tenantId: TENANT_A.id }, (tx) =>
        tx.insert(users).values({
          id: crypto.randomUUID(),
          tenantId: TENANT_B.id,
          identityId: userA!.id,
          email: 'x@acme.example',
          name: 'X',
          roles: ['admin'],
        }),
      ),
    );
    const changed = await database.run({ tenantId: TENANT_A.id }, (tx) =>
      rows(tx, sql`update refresh_tokens set revoked_at = now() where tenant_id = ${TENANT_B.id} returning id`),
    );
    expect(changed).toEqual([]);
  });

  it('with no scope at all, nothing is visible', async () => {
    await database.run({ settings: {} }, async (tx) => {
      expect(await tx.select().from(users)).toEqual([]);
      expect(await tx.select().from(tenants)).toEqual([]);
      expect(await tx.select().from(refreshTokens)).toEqual([]);
      expect(await tx.select().from(identities)).toEqual([]);
    });
  });
});

describe('pre-tenant lookup policies', () => {
  it('app.login_email admits that email’s identity, memberships and their tenants, nothing else, read only', async () => {
    await database.run({ settings: { 'app.login_email': 'admin@acme.example' } }, async (tx) => {
      expect((await tx.select().from(identities)).map((i) => i.email)).toEqual(['admin@acme.example']);
      expect((await tx.select().from(users)).map((u) => u.email)).toEqual(['admin@acme.example']);
      expect((await tx.select().from(tenants)).map((t) => t.id)).toEqual([TENANT_B.id]);
      expect(await tx.select().from(refreshTokens)).toEqual([]);
      const found = await loginCandidate(tx, 'admin@acme.example');
      expect(found.identity?.email).toBe('admin@acme.example');
      expect(found.accounts.map((a) => a.tenant.name)).toEqual([TENANT_B.name]);
    });
    await expectRlsRefusal(
      database.run({ settings: { 'app.login_email': 'new@acme.example' } }, (tx) =>
        tx.insert(users).values({
          id: crypto.randomUUID(),
          tenantId: TENANT_B.id,
          identityId: userB!.id,
          email: 'new@acme.example',
          name: 'N',
          roles: ['admin'],
        }),
      ),
    );
    // Identities are made only inside a tenant scope (registration, an external user's first use).
    await expectRlsRefusal(
      database.run({ settings: { 'app.login_email': 'new@acme.example' } }, (tx) =>
        tx
          .insert(identities)
          .values({ id: crypto.randomUUID(), email: 'new@acme.example', name: 'N', passwordHash: 'x' }),
      ),
    );
  });

  it('app.external_issuer + app.external_subject admit exactly that identity; a tenant scope may add one', async () => {
    const issuer = 'https://idp.rls.test/';
    const scope = { 'app.tenant_id': TENANT_A.id, 'app.external_issuer': issuer, 'app.external_subject': 'ext|1' };
    await database.run({ settings: scope }, async (tx) => {
      await insertExternalIdentity(tx, {
        id: crypto.randomUUID(),
        email: '',
        name: '',
        externalIssuer: issuer,
        externalSubject: 'ext|1',
      });
      expect((await externalIdentity(tx, issuer, 'ext|1'))?.externalSubject).toBe('ext|1');
    });
    await database.run({ settings: { 'app.external_issuer': issuer, 'app.external_subject': 'ext|2' } }, async (tx) => {
      expect(await externalIdentity(tx, issuer, 'ext|1')).toBeNull();
      expect(await tx.select().from(identities)).toEqual([]);
    });
    await database.run({ settings: { 'app.external_issuer': issuer, 'app.external_subject': 'ext|1' } }, async (tx) => {
      expect((await tx.select().from(identities)).map((i) => i.externalSubject)).toEqual(['ext|1']);
    });
    // No UPDATE of identities at all (SQLSTATE 42501: no privilege).
    const refused = await database
      .run({ settings: { 'app.external_issuer': issuer, 'app.external_subject': 'ext|1' } }, (tx) =>
        rows(tx, sql`update identities set name = 'x' returning id`),
      )
      .then(
        () => undefined,
        (e: unknown) => e as { cause?: { code?: string } },
      );
    expect(refused?.cause?.code).toBe('42501');
  });

  it('a membership joins an identity to one tenant at most once', async () => {
    await database.run({ tenantId: TENANT_A.id }, async (tx) => {
      await ensureUser(tx, {
        id: crypto.randomUUID(),
        tenantId: TENANT_A.id,
        identityId: userA!.id,
        email: userA!.email,
        name: 'again',
        roles: ['viewer'],
      });
      expect((await tx.select().from(users)).filter((u) => u.identityId === userA!.id)).toHaveLength(1);
    });
  });

  it('app.refresh_token_hash admits exactly the presented token, read only', async () => {
    await database.run({ settings: { 'app.refresh_token_hash': tokenB.hash } }, async (tx) => {
      expect((await tx.select().from(refreshTokens)).map((r) => r.tokenHash)).toEqual([tokenB.hash]);
      expect(await tx.select().from(users)).toEqual([]);
      expect(await tx.select().from(tenants)).toEqual([]);
      const updated = await rows(tx, sql`update refresh_tokens set revoked_at = now() returning id`);
      expect(updated).toEqual([]);
    });
  });
});

describe('signing key', () => {
  const settings = { ttlSeconds: 3600, clockToleranceSeconds: 5, cacheSeconds: 15 };

  it('is made once and kept: concurrent first starts and a restart share one key', async () => {
    const fresh = await createTestDatabase('auth_keys', subgraph.migrationsFolder);
    const signer = await openRoleDatabase(SIGNER_ROLE, fresh.signerUrl, fresh);
    try {
      const [a, b] = await Promise.all([readSigningKeys(signer, settings), readSigningKeys(signer, settings)]);
      expect(a.active.kid).toBe(b.active.kid);
      const again = await readSigningKeys(signer, settings);
      expect(again.active.kid).toBe(a.active.kid);
      expect(again.jwks.keys.map((k) => k.kid)).toEqual([a.active.kid]);
      const count = await signer.run((tx) => rows<{ n: number }>(tx, sql`select count(*)::int as n from signing_keys`));
      expect(count[0]!.n).toBe(1);
    } finally {
      await signer.close();
      await fresh.destroy();
    }
  });

  describe('is out of the request role’s reach', () => {
    let signer: Awaited<ReturnType<typeof openRoleDatabase>>;
    beforeAll(async () => {
      signer = await openRoleDatabase(SIGNER_ROLE, database.signerUrl, database);
      await readSigningKeys(signer, settings);
    });
    afterAll(() => signer?.close());

    const privilege = (tx: Tx, role: string, column: string) =>
      rows<{ ok: boolean }>(tx, sql`select has_column_privilege(${role}, 'signing_keys', ${column}, 'SELECT') as ok`);

    it('the catalog: the application role holds no privilege on signing_keys; the signer selects the private key', async () => {
      await database.run({ settings: {} }, async (tx) => {
        for (const column of ['private_key', 'kid', 'public_jwk'])
          expect((await privilege(tx, security.role, column))[0]!.ok, column).toBe(false);
        const table = await rows<{ ok: boolean }>(
          tx,
          sql`select has_table_privilege(${security.role}, 'signing_keys', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') as ok`,
        );
        expect(table[0]!.ok).toBe(false);
        expect((await privilege(tx, SIGNER_ROLE, 'private_key'))[0]!.ok).toBe(true);
      });
    });

    it('refused: a SELECT of the private key as the application role, in any scope', async () => {
      for (const scope of [{ settings: {} }, { tenantId: TENANT_A.id }, { worker: true as const }]) {
        const error = await database
          .run(scope, (tx) => tx.select({ key: signingKeys.privateKey }).from(signingKeys))
          .then(
            () => undefined,
            (e: unknown) => e as { cause?: { code?: string; message?: string } },
          );
        expect(error?.cause?.code, JSON.stringify(scope)).toBe('42501');
        expect(error?.cause?.message).toMatch(/permission denied for table signing_keys/);
      }
      // Nor may it write one (a key of its own choosing would sign tokens).
      const write = await database
        .run({ settings: {} }, (tx) => tx.execute(sql`update signing_keys set retired_at = now()`))
        .then(
          () => undefined,
          (e: unknown) => e as { cause?: { code?: string } },
        );
      expect(write?.cause?.code).toBe('42501');
    });

    /** What the catalog assertion reports after `statements` ran as the owner (rolled back). */
    const problemsAfter = (...statements: string[]) => catalogProblemsAfter(database, security, ...statements);

    it('the catalog assertion refuses a grant of the private key to the application role, or a signer without its grant', async () => {
      expect(await problemsAfter('grant select (kid, private_key) on signing_keys to eventzr_app')).toEqual([
        'public.signing_keys: the application role may SELECT (kid, private_key), which is not declared',
      ]);
      expect(await problemsAfter('revoke select on signing_keys from eventzr_signer')).toEqual([
        'public.signing_keys: the role "eventzr_signer" lacks the declared SELECT',
        'public.signing_keys: the role "eventzr_signer" lacks the declared SELECT (kid, alg, public_jwk, private_key, created_at, activated_at, retired_at)',
      ]);
      expect(await problemsAfter('grant select on users to eventzr_signer')).toEqual([
        'public.users: the role "eventzr_signer" may SELECT, which is not declared',
      ]);
    });

    it('allowed: the signer role selects it', async () => {
      const keys = await signer.run((tx) => tx.select({ key: signingKeys.privateKey }).from(signingKeys));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys[0]!.key).toMatch(/BEGIN PRIVATE KEY/);
    });

    it('the signer role reads nothing else: no tenant data', async () => {
      const error = await signer
        .run((tx) => tx.select().from(users))
        .then(
          () => undefined,
          (e: unknown) => e as { cause?: { code?: string } },
        );
      expect(error?.cause?.code).toBe('42501');
    });
  });
});
