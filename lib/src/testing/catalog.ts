// What the database catalog says about a subgraph's tables (row level security, grants, keys).
import { sql } from 'drizzle-orm';
import type { Database } from '../db.ts';

export interface TableSecurity {
  name: string;
  rls: boolean;
  forced: boolean;
  hasTenant: boolean;
}

/** Every table of the public schema with its RLS flags and whether it holds tenant_id. */
export async function tableSecurity(database: Database): Promise<TableSecurity[]> {
  return database.run({ settings: {} }, async (tx) => {
    const res = (await tx.execute(sql`
      select c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
             exists (select 1 from pg_attribute a
                      where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant
        from pg_class c
       where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
       order by c.relname`)) as unknown as {
      rows: Array<{ name: string; rls: boolean; forced: boolean; has_tenant: boolean }>;
    };
    return res.rows.map((r) => ({ name: r.name, rls: r.rls, forced: r.forced, hasTenant: r.has_tenant }));
  });
}
