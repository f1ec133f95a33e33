// lib/db: tenant-scoped transactions under RLS, and the start-up refusal of an application role
// that could escape it (superuser, BYPASSRLS, owner of a table or member of a table owner's role,
// in any schema).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from './config.ts';
import { openDatabase } from './db.ts';
import { createTestDatabase, usingRealPostgres, type TestDatabase } from './testing.ts';

const fixtures = join(import.meta.dirname, '__fixtures__');
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('tenant-scoped transactions under RLS', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('dbtest', join(fixtures, 'confined'));
    await database.run({ tenantId: A }, (tx) =>
      tx.execute(sql`insert into notes (tenant_id, body) values (${A}, 'a1'), (${A}, 'a2')`),
    );
    await database.run({ tenantId: B }, (tx) =>
      tx.execute(sql`insert into notes (tenant_id, body) values (${B}, 'b1')`),
    );
  });
  afterAll(() => database?.destroy());

  const bodies = async (scope: Parameters<TestDatabase['run']>[0]) =>
    database.run(scope, async (tx) => {
      const res = (await tx.execute(sql`select body from notes order by body`)) as unknown as {
        rows: { body: string }[];
      };
      return res.rows.map((r) => r.body);
    });

  it('shows each tenant only its own rows, and nothing without a tenant', async () => {
    expect(await bodies({ tenantId: A })).toEqual(['a1', 'a2']);
    expect(await bodies({ tenantId: B })).toEqual(['b1']);
    expect(await bodies({ settings: {} })).toEqual([]);
  });

  it('refuses a write into another tenant', async () => {
    await expect(
      database.run({ tenantId: A }, (tx) =>
        tx.execute(sql`insert into notes (tenant_id, body) values (${B}, 'sneaky')`),
      ),
    ).rejects.toThrow();
    expect(await bodies({ tenantId: B })).toEqual(['b1']);
  });

  it('keeps the tenant setting inside its transaction (no leak to the next one)', async () => {
    await bodies({ tenantId: A });
    const leaked = await database.run({ settings: {} }, async (tx) => {
      const res = (await tx.execute(sql`select current_setting('app.tenant_id', true) as t`)) as unknown as {
        rows: { t: string | null }[];
      };
      return res.rows[0]?.t ?? '';
    });
    expect(leaked).toBe('');
  });

  it('isolates tenants under concurrent transactions', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => bodies({ tenantId: i % 2 ? A : B })));
    results.forEach((r, i) => expect(r).toEqual(i % 2 ? ['a1', 'a2'] : ['b1']));
  });

  it('runs as a role that is not superuser, cannot bypass RLS and owns nothing', async () => {
    const report = await database.appRoleReport();
    expect(report).toEqual({
      role: 'eventzr_app',
      superuser: false,
      bypassRls: false,
      ownedTables: [],
      memberOfOwners: [],
    });
  });
});

describe.skipIf(usingRealPostgres())('start-up safety check (embedded)', () => {
  const open = (fixture: string) => openDatabase({ name: fixture, migrationsFolder: join(fixtures, fixture) });

  it('starts when the application role owns nothing and is no member of an owner (drizzle schema included)', async () => {
    const database = await open('confined');
    expect(await database.appRoleReport()).toMatchObject({ ownedTables: [], memberOfOwners: [] });
    await database.close();
  });

  it('refuses to start when the application role owns a table', async () => {
    await expect(open('owner')).rejects.toThrow(/owns 1 table\(s\) \(public\.leaky\)/);
  });

  it('refuses a table the application role owns in a schema other than public', async () => {
    await expect(open('elsewhere_owner')).rejects.toThrow(/"eventzr_app" owns 1 table\(s\) \(other\.leaky\)/);
  });

  it("refuses an application role that is a member of a table owner's role", async () => {
    await expect(open('elsewhere_member')).rejects.toThrow(
      /"eventzr_app" is a member of the owner role "eventzr_tables" of 1 table\(s\) \(other\.kept\)/,
    );
  });

  it('refuses an application role with BYPASSRLS', async () => {
    await expect(open('bypass')).rejects.toThrow(/"eventzr_app" has BYPASSRLS/);
  });
});

// The same on a real server, with throwaway roles made through a superuser connection: the
// shared eventzr_app role is never changed, since other test files use it concurrently.
describe.runIf(usingRealPostgres())('start-up safety check (PostgreSQL)', () => {
  const withDatabase = (url: string, database: string, user?: string) => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    if (user) {
      u.username = user;
      u.password = '';
    }
    return u.toString();
  };

  /** Opens a fresh database as a fresh login role after `setup` (run as superuser in it); returns the refusal. */
  async function startAs(setup: (roles: { app: string; owner: string }) => string[]): Promise<Error | undefined> {
    const adminUrl = readConfig(testEnvSchema).TEST_POSTGRES_ADMIN_URL;
    if (!adminUrl)
      throw new Error('TEST_POSTGRES_ADMIN_URL must be set with TEST_POSTGRES_URL (scripts/with-postgres.sh)');
    const id = randomBytes(5).toString('hex');
    const roles = { app: `t_app_${id}`, owner: `t_owner_${id}` };
    const dbName = `t_confine_${id}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`create role ${roles.app} login nosuperuser nobypassrls`);
      await admin.query(`create role ${roles.owner} nologin`);
      await admin.query(`create database ${dbName}`);
      const inDb = new pg.Client({ connectionString: withDatabase(adminUrl, dbName) });
      await inDb.connect();
      try {
        for (const statement of setup(roles)) await inDb.query(statement);
      } finally {
        await inDb.end();
      }
      try {
        const database = await openDatabase({
          name: 'confine',
          migrationsFolder: join(fixtures, 'confined'),
          url: withDatabase(adminUrl, dbName, roles.app),
          migratorUrl: withDatabase(adminUrl, dbName),
        });
        await database.close();
        return undefined;
      } catch (err) {
        return err as Error;
      }
    } finally {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.query(`drop role if exists ${roles.app}`);
      await admin.query(`drop role if exists ${roles.owner}`);
      await admin.end();
    }
  }

  it('starts when the application role owns nothing and is no member of an owner', async () => {
    const refusal = await startAs(({ owner }) => [
      'create schema other',
      'create table other.kept (id int primary key)',
      `alter table other.kept owner to ${owner}`,
    ]);
    expect(refusal).toBeUndefined();
  });

  it('refuses a table the application role owns in a schema other than public', async () => {
    const refusal = await startAs(({ app }) => [
      'create schema other',
      'create table other.leaky (id int primary key)',
      `alter table other.leaky owner to ${app}`,
    ]);
    expect(refusal?.message).toMatch(/owns 1 table\(s\) \(other\.leaky\)/);
  });

  it("refuses an application role that is a member of a table owner's role", async () => {
    const refusal = await startAs(({ app, owner }) => [
      'create schema other',
      'create table other.kept (id int primary key)',
      `alter table other.kept owner to ${owner}`,
      `grant ${owner} to ${app}`,
    ]);
    expect(refusal?.message).toMatch(
      /is a member of the owner role "t_owner_[0-9a-f]+" of 1 table\(s\) \(other\.kept\)/,
    );
  });
});
