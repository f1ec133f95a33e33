// The catalog assertion every subgraph's tests call: a migrated database, read from the real
// catalog, holds exactly what the subgraph's security declaration (lib/rls) says. The application
// role is confined (no superuser, no BYPASSRLS, owns nothing, no member of a table owner's role);
// every table of every non-system schema is declared, with RLS enabled and forced unless declared
// without; every tenant table is isolated by lib/rls's tenant policy and its unique keys start with
// the tenant; the policies and the role's privileges are exactly the declared ones; every foreign
// key says what happens on delete.
import { sql, type SQL } from 'drizzle-orm';
import { confinementProblems, readRoleReport, USER_SCHEMAS, type Database, type Tx } from '../db.ts';
import { TENANT_SETTING, type PolicySpec, type SecurityDeclaration, type TableSecurity } from '../rls.ts';

/** drizzle's own bookkeeping (schema `drizzle`): the migrator's table, not the subgraph's. */
const MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';

export class CatalogError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `The database catalog does not match the security declaration:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'CatalogError';
  }
}

/** Throws a CatalogError listing every problem `catalogProblems` finds. */
export async function assertCatalog(database: Database, declaration: SecurityDeclaration): Promise<void> {
  const problems = await database.run({ settings: {} }, (tx) => catalogProblems(tx, declaration));
  if (problems.length > 0) throw new CatalogError(problems);
}

const rows = async <T>(tx: Tx, query: SQL): Promise<T[]> =>
  ((await tx.execute(query)) as unknown as { rows: T[] }).rows;

const ident = (name: string): string => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** How Postgres prints lib/rls `tenantIsolation(column)` back (pg_policies.qual / with_check). */
const isolationExpression = (column: string): string =>
  `(${ident(column)} = (NULLIF(current_setting('${TENANT_SETTING}'::text, true), ''::text))::uuid)`;

/**
 * Everything in the catalog that disagrees with `declaration`, as readable sentences; empty when
 * it all holds. Reads the catalog only, so it runs in any transaction, as any role.
 */
export async function catalogProblems(tx: Tx, declaration: SecurityDeclaration): Promise<string[]> {
  const role = declaration.role;
  const problems: string[] = [];
  const declared = new Map(declaration.tables.map((t) => [`${t.schema}.${t.name}`, t]));

  // The role itself.
  const [exists] = await rows<{ n: number }>(tx, sql`select count(*)::int as n from pg_roles where rolname = ${role}`);
  if (!exists?.n) return [`the application role "${role}" does not exist`];
  const report = await readRoleReport(tx, role);
  for (const p of confinementProblems(report)) problems.push(`the application role "${role}" ${p}`);
  const owned = await rows<{ what: string }>(
    tx,
    sql`
      select 'schema ' || n.nspname as what from pg_namespace n where n.nspowner = ${role}::regrole and ${USER_SCHEMAS}
      union all
      select 'relation ' || n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relowner = ${role}::regrole and c.relkind not in ('r', 'p') and ${USER_SCHEMAS}
      union all
      select 'function ' || n.nspname || '.' || p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where p.proowner = ${role}::regrole and ${USER_SCHEMAS}
      order by 1`,
  );
  for (const o of owned) problems.push(`the application role "${role}" owns ${o.what}`);

  // Tables: declared, RLS as declared, tenant data isolated.
  const tables = await rows<{ name: string; rls: boolean; forced: boolean; has_tenant_id: boolean }>(
    tx,
    sql`
      select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
             exists (select 1 from pg_attribute a
                      where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant_id
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and ${USER_SCHEMAS}
       order by 1`,
  );
  const present = new Set(tables.map((t) => t.name));
  for (const t of declaration.tables)
    if (!present.has(`${t.schema}.${t.name}`))
      problems.push(`${t.schema}.${t.name}: declared, but not in the database`);
  const policies = await rows<{
    table: string;
    name: string;
    permissive: string;
    roles: string;
    cmd: string;
    qual: string | null;
    with_check: string | null;
  }>(
    tx,
    sql`
      select p.schemaname || '.' || p.tablename as table, p.policyname as name, p.permissive,
             (select string_agg(r, ',' order by r) from unnest(p.roles) r) as roles,
             p.cmd, p.qual, p.with_check
        from pg_policies p join pg_namespace n on n.nspname = p.schemaname
       where ${USER_SCHEMAS}
       order by 1, 2`,
  );
  const isIsolation = (table: string, column: string) =>
    policies.some(
      (p) =>
        p.table === table &&
        p.cmd === 'ALL' &&
        p.permissive === 'PERMISSIVE' &&
        p.qual === isolationExpression(column) &&
        p.with_check === isolationExpression(column),
    );
  for (const t of tables) {
    if (t.name === MIGRATIONS_TABLE) continue;
    const d = declared.get(t.name);
    if (!d) problems.push(`${t.name}: not in the security declaration`);
    if (!d || d.rls) {
      if (!t.rls) problems.push(`${t.name}: row level security is not enabled`);
      if (!t.forced) problems.push(`${t.name}: row level security is not forced (FORCE ROW LEVEL SECURITY)`);
    } else if (t.rls || t.forced) {
      problems.push(`${t.name}: has row level security, but is declared without it`);
    }
    const column = d?.tenantColumn ?? (t.has_tenant_id ? 'tenant_id' : undefined);
    if (column && !isIsolation(t.name, column))
      problems.push(
        `${t.name}: no tenant isolation policy on ${column} (FOR ALL, USING and WITH CHECK ${column} = app.tenant_id)`,
      );
  }

  // Policies: exactly the declared ones.
  const declaredPolicies = new Map<string, PolicySpec>(
    declaration.tables.flatMap((t) => t.policies.map((p) => [`${t.schema}.${t.name} ${p.name}`, p] as const)),
  );
  for (const p of policies) {
    const d = declaredPolicies.get(`${p.table} ${p.name}`);
    if (!d) {
      problems.push(`${p.table}: policy ${p.name} is not declared`);
      continue;
    }
    declaredPolicies.delete(`${p.table} ${p.name}`);
    const actual = `${p.permissive} FOR ${p.cmd} TO ${p.roles}`;
    const expected = `${d.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${d.command} TO ${d.roles.join(',')}`;
    if (actual !== expected) problems.push(`${p.table}: policy ${p.name} is ${actual}, declared ${expected}`);
  }
  for (const key of declaredPolicies.keys()) {
    const [table, name] = key.split(' ');
    problems.push(`${table}: declared policy ${name} is missing`);
  }

  problems.push(...(await privilegeProblems(tx, role, 'the application role', declaration, (t) => declared.get(t))));
  // Other roles (e.g. auth's signer): confined the same way, and holding exactly their grants.
  for (const other of declaration.otherRoles) {
    const who = `the role "${other}"`;
    const [there] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from pg_roles where rolname = ${other}`,
    );
    if (!there?.n) {
      problems.push(`${who} does not exist`);
      continue;
    }
    for (const p of confinementProblems(await readRoleReport(tx, other))) problems.push(`${who} ${p}`);
    problems.push(
      ...(await privilegeProblems(tx, other, who, declaration, (name) => {
        const t = declared.get(name);
        const g = t?.otherRoles.find((r) => r.role === other);
        return t && g
          ? { schema: t.schema, columns: t.columns, privileges: g.privileges, update: g.update }
          : undefined;
      })),
    );
  }
  problems.push(...(await uniqueKeyProblems(tx, declaration)));

  // Foreign keys: confdeltype 'a' is NO ACTION, what a foreign key gets when it says nothing.
  const fks = await rows<{ table: string; name: string }>(
    tx,
    sql`
      select n.nspname || '.' || c.relname as table, k.conname as name
        from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
       where k.contype = 'f' and k.confdeltype = 'a' and ${USER_SCHEMAS}
       order by 1, 2`,
  );
  for (const fk of fks) problems.push(`${fk.table}: foreign key ${fk.name} does not say what happens on delete`);
  return problems;
}

/** What one role is declared to hold on one table. */
type DeclaredGrants = Pick<TableSecurity, 'schema' | 'columns' | 'privileges' | 'update'>;

/**
 * A role's effective privileges (grants to it, to PUBLIC and through memberships) against the
 * declared ones; `who` names the role in the sentences, `grantsOn` gives its grants on a table
 * (`schema.name`), undefined for none.
 */
async function privilegeProblems(
  tx: Tx,
  role: string,
  who: string,
  declaration: SecurityDeclaration,
  grantsOn: (table: string) => DeclaredGrants | undefined,
): Promise<string[]> {
  const declared = new Map<string, DeclaredGrants>();
  for (const t of declaration.tables) {
    const g = grantsOn(`${t.schema}.${t.name}`);
    if (g) declared.set(`${t.schema}.${t.name}`, g);
  }
  const problems: string[] = [];
  const schemas = await rows<{ name: string; usage: boolean; create: boolean }>(
    tx,
    sql`
      select n.nspname as name, has_schema_privilege(${role}::name, n.oid, 'USAGE') as usage,
             has_schema_privilege(${role}::name, n.oid, 'CREATE') as create
        from pg_namespace n where ${USER_SCHEMAS} order by 1`,
  );
  const needed = new Set([...declared.values()].map((t) => t.schema));
  for (const s of schemas) {
    if (needed.has(s.name) && !s.usage) problems.push(`schema ${s.name}: ${who} lacks USAGE`);
    // Creating a table would make the role its owner, above that table's policies.
    if (s.create) problems.push(`schema ${s.name}: ${who} may CREATE in it`);
  }

  // MAINTAIN (VACUUM, ANALYZE, REINDEX...) exists from PostgreSQL 17 (PGlite is newer than CI's server).
  const tablePrivileges = await rows<{ table: string; privilege: string }>(
    tx,
    sql`
      select n.nspname || '.' || c.relname as table, p.privilege
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']
                           || case when current_setting('server_version_num')::int >= 170000
                                   then array['MAINTAIN'] else array[]::text[] end) as p(privilege)
       where c.relkind in ('r', 'p') and ${USER_SCHEMAS} and has_table_privilege(${role}::name, c.oid, p.privilege)
       order by 1, 2`,
  );
  const columnPrivileges = await rows<{ table: string; column: string; privilege: string }>(
    tx,
    sql`
      select n.nspname || '.' || c.relname as table, a.attname as column, p.privilege
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        cross join unnest(array['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) as p(privilege)
       where c.relkind in ('r', 'p') and ${USER_SCHEMAS}
         and has_column_privilege(${role}::name, c.oid, a.attnum, p.privilege)
       order by 1, 3, a.attnum`,
  );

  const tableNames = new Set([...declared.keys(), ...tablePrivileges.map((p) => p.table)]);
  for (const c of columnPrivileges) tableNames.add(c.table);
  for (const table of [...tableNames].sort()) {
    const d = declared.get(table);
    const expected = new Set<string>(d ? d.privileges.map((p) => p.toUpperCase()) : []);
    if (d?.update === 'all') expected.add('UPDATE');
    const actual = new Set(tablePrivileges.filter((p) => p.table === table).map((p) => p.privilege));
    for (const p of actual) if (!expected.has(p)) problems.push(`${table}: ${who} may ${p}, which is not declared`);
    for (const p of expected) if (!actual.has(p)) problems.push(`${table}: ${who} lacks the declared ${p}`);

    // Column privileges: whatever a table-level grant implies, plus the declared UPDATE columns.
    const columns = d?.columns ?? [];
    const expectedColumns = new Map<string, Set<string>>([
      ['SELECT', new Set(expected.has('SELECT') ? columns : [])],
      ['INSERT', new Set(expected.has('INSERT') ? columns : [])],
      ['UPDATE', new Set(d?.update === 'all' ? columns : (d?.update ?? []))],
      ['REFERENCES', new Set()],
    ]);
    for (const [privilege, want] of expectedColumns) {
      const have = columnPrivileges.filter((c) => c.table === table && c.privilege === privilege).map((c) => c.column);
      const extra = have.filter((c) => !want.has(c) && !actual.has(privilege));
      const missing = [...want].filter((c) => !have.includes(c));
      if (extra.length > 0)
        problems.push(`${table}: ${who} may ${privilege} (${extra.join(', ')}), which is not declared`);
      if (missing.length > 0) problems.push(`${table}: ${who} lacks the declared ${privilege} (${missing.join(', ')})`);
    }
  }
  return problems;
}

/**
 * Unique keys of tenant tables start with the tenant column, so a uniqueness conflict never tells
 * one tenant about another's rows. The exception is a primary key on one column that no client
 * chooses: a database default (gen_random_uuid()) or a key the declaration says the server makes.
 */
async function uniqueKeyProblems(tx: Tx, declaration: SecurityDeclaration): Promise<string[]> {
  const problems: string[] = [];
  const uniques = await rows<{
    table: string;
    index: string;
    primary: boolean;
    key_columns: number;
    first_column: string | null;
    first_has_default: boolean;
  }>(
    tx,
    sql`
      select n.nspname || '.' || t.relname as table, i.relname as index, x.indisprimary as primary,
             x.indnkeyatts::int as key_columns, a.attname as first_column, coalesce(a.atthasdef or a.attidentity <> '', false) as first_has_default
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        -- indkey[0] is 0 for an expression: no column
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
       where x.indisunique and ${USER_SCHEMAS}
       order by 1, 2`,
  );
  for (const t of declaration.tables) {
    if (t.kind !== 'tenant') continue;
    for (const u of uniques.filter((u) => u.table === `${t.schema}.${t.name}`)) {
      if (u.first_column === t.tenantColumn) continue;
      if (u.primary && u.key_columns === 1 && (u.first_has_default || t.serverGeneratedKey)) continue;
      problems.push(
        u.primary && u.key_columns === 1
          ? `${u.table}: primary key ${u.index} is neither generated by the database nor declared serverGeneratedKey`
          : `${u.table}: unique index ${u.index} does not start with ${t.tenantColumn}`,
      );
    }
  }
  return problems;
}

class Rollback extends Error {}

/**
 * What catalogProblems reports after `statements` ran as the owner, rolled back afterwards: how a
 * test shows the assertion catching a grant, a policy or an owner nobody declared.
 */
export async function catalogProblemsAfter(
  database: Database & { asOwner<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  declaration: SecurityDeclaration,
  ...statements: string[]
): Promise<string[]> {
  let problems: string[] = [];
  await database
    .asOwner(async (tx) => {
      for (const statement of statements) await tx.execute(sql.raw(statement));
      problems = await catalogProblems(tx, declaration);
      throw new Rollback();
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return problems;
}
