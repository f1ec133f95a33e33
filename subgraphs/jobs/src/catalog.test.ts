// What the database catalog says about the jobs schema: the application role cannot bypass Row
// Level Security, every table has it enabled and forced, unique keys on tenant data start with
// the tenant, foreign keys say what happens on delete, and grants are only what the code uses.
import { sql } from 'drizzle-orm';
import { APP_ROLE } from '@eventzr/lib/db';
import { createTestDatabase, tableSecurity, type TestDatabase } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subgraph } from './subgraph.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('jobs', subgraph.migrationsFolder);
});
afterAll(() => database?.destroy());

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return database.run({ settings: {} }, async (tx) => ((await tx.execute(query)) as unknown as { rows: T[] }).rows);
}

const TENANT_TABLES = ['job_events', 'job_quota_usage', 'jobs', 'tenant_job_quotas'];

describe('the jobs database catalog', () => {
  it('runs requests as a role that is not superuser, has no BYPASSRLS and owns no table', async () => {
    const report = await database.appRoleReport();
    expect(report).toMatchObject({ superuser: false, bypassRls: false, ownedTables: [], memberOfOwners: [] });
  });

  it('has RLS enabled and forced on every table; the tenant tables are the ones with tenant_id', async () => {
    const tables = await tableSecurity(database);
    expect(tables.filter((t) => t.hasTenant).map((t) => t.name)).toEqual(TENANT_TABLES);
    expect(tables.map((t) => t.name)).toEqual([...TENANT_TABLES, 'workers'].sort());
    for (const t of tables)
      expect({ table: t.name, rls: t.rls, forced: t.forced }).toEqual({ table: t.name, rls: true, forced: true });
  });

  it('gives every tenant table a policy on app.tenant_id, and admits the worker scope only where it works', async () => {
    const policies = await rows<{
      table: string;
      name: string;
      cmd: string;
      qual: string | null;
      check: string | null;
    }>(sql`
      select tablename as table, policyname as name, cmd, qual, with_check as check
        from pg_policies where schemaname = 'public' order by tablename, policyname`);
    for (const table of TENANT_TABLES) {
      const tenant = policies.filter((p) => p.table === table && `${p.qual}${p.check}`.includes('app.tenant_id'));
      expect(tenant.length, table).toBeGreaterThan(0);
    }
    const worker = policies
      .filter((p) => `${p.qual}${p.check}`.includes('app.worker'))
      .map((p) => `${p.table}:${p.cmd}`);
    expect(worker.sort()).toEqual(
      ['job_events:INSERT', 'jobs:SELECT', 'jobs:UPDATE', 'workers:INSERT', 'workers:SELECT', 'workers:UPDATE'].sort(),
    );
  });

  it('starts every unique key of a tenant table with tenant_id (a server-generated id primary key aside)', async () => {
    const uniques = await rows<{
      table: string;
      index: string;
      primary: boolean;
      first_column: string;
      columns: number;
      id_default: string | null;
    }>(sql`
      select t.relname as table, i.relname as index, x.indisprimary as primary,
             a.attname as first_column, x.indnatts as columns,
             pg_get_expr(d.adbin, d.adrelid) as id_default
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
        left join pg_attrdef d on d.adrelid = t.oid and d.adnum = a.attnum
       where t.relnamespace = 'public'::regnamespace and x.indisunique
       order by t.relname, i.relname`);
    const onTenantTables = uniques.filter((u) => TENANT_TABLES.includes(u.table));
    expect(onTenantTables.length).toBeGreaterThan(0);
    for (const u of onTenantTables) {
      if (u.first_column === 'tenant_id') continue;
      // A primary key on a single id the server generates: no client can choose (or probe) it.
      expect({
        index: u.index,
        primary: u.primary,
        first: u.first_column,
        columns: u.columns,
        dflt: u.id_default,
      }).toEqual({
        index: u.index,
        primary: true,
        first: 'id',
        columns: 1,
        dflt: 'gen_random_uuid()',
      });
    }
  });

  it("says what happens on delete for every foreign key, and keeps events within their job's tenant", async () => {
    const fks = await rows<{ name: string; on_delete: string; def: string }>(sql`
      select conname as name, confdeltype as on_delete, pg_get_constraintdef(oid) as def
        from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace`);
    expect(fks.length).toBeGreaterThan(0);
    for (const fk of fks) expect({ fk: fk.name, onDelete: fk.on_delete }).not.toEqual({ fk: fk.name, onDelete: 'a' });
    expect(fks.find((f) => f.name === 'job_events_job_fk')?.def).toMatch(
      /\(tenant_id, job_id\) REFERENCES jobs\(tenant_id, id\) ON DELETE CASCADE/,
    );
  });

  it('grants the application role only what the code uses', async () => {
    const [p] = await rows<Record<string, boolean>>(sql`
      select has_table_privilege(${APP_ROLE}, 'jobs', 'TRUNCATE') as truncate_jobs,
             has_column_privilege(${APP_ROLE}, 'jobs', 'tenant_id', 'UPDATE') as update_tenant,
             has_column_privilege(${APP_ROLE}, 'jobs', 'created_by', 'UPDATE') as update_creator,
             has_column_privilege(${APP_ROLE}, 'jobs', 'status', 'UPDATE') as update_status,
             has_table_privilege(${APP_ROLE}, 'job_events', 'DELETE') as delete_events,
             has_table_privilege(${APP_ROLE}, 'job_events', 'UPDATE') as update_events,
             has_table_privilege(${APP_ROLE}, 'job_quota_usage', 'DELETE') as delete_usage,
             has_table_privilege(${APP_ROLE}, 'workers', 'DELETE') as delete_workers`);
    expect(p).toEqual({
      truncate_jobs: false,
      update_tenant: false,
      update_creator: false,
      update_status: true,
      delete_events: false,
      update_events: false,
      delete_usage: false,
      delete_workers: false,
    });
  });
});
