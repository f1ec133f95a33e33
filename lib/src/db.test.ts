import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    expect(report).toMatchObject({ role: 'eventzr_app', superuser: false, bypassRls: false, ownedTables: 0 });
  });
});

describe.skipIf(usingRealPostgres())('start-up safety check (embedded)', () => {
  it('refuses to start when the application role owns a table', async () => {
    await expect(openDatabase({ name: 'owner', migrationsFolder: join(fixtures, 'owner') })).rejects.toThrow(
      /owns 1 table/,
    );
  });
});
