// Row Level Security from code: the one place that knows how tenant isolation is expressed. A
// subgraph's src/db/schema.ts puts these policies in its tables' extra config (drizzle-kit
// generates CREATE POLICY / ENABLE ROW LEVEL SECURITY from them) and declares, with
// `declareSecurity`, what the application role may do to each table and which tables are
// deliberately not tenant data. `securitySql` turns that declaration into what drizzle-kit cannot
// express (the role, schema usage, FORCE ROW LEVEL SECURITY, exact grants): `npm run db:generate`
// writes it as a custom migration (bin/db-security.ts), and lib/testing's `assertCatalog` checks
// a migrated database against the same declaration.
//
// Adopting 0001_rls.sql: auth and jobs first had hand-written RLS migrations. Their policies moved
// into the schema with the same names and conditions; drizzle-kit's first migration after that
// (0002_policies.sql) was edited once by hand to DROP POLICY IF EXISTS before each CREATE POLICY,
// so it applies both to fresh databases and to those that already ran 0001 (drizzle's migrator
// runs all pending migrations in one transaction: no request sees a table without its policies).
// From then on drizzle-kit's snapshot knows the policies and generates ordinary diffs.
import { getTableColumns, getTableName, is, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, PgTable, pgPolicy, type PgColumn, type PgPolicy } from 'drizzle-orm/pg-core';

/** The role requests run as. Migrations grant it table privileges; it owns nothing. */
export const APP_ROLE = 'eventzr_app';

/** The transaction-local settings policies read; lib/db's `run` sets them per request. */
export const TENANT_SETTING = 'app.tenant_id';
export const WORKER_SETTING = 'app.worker';

type AppSetting = `app.${string}`;
const SETTING_NAME = /^app\.[a-z][a-z0-9_]*$/;

/**
 * `nullif(current_setting('<name>', true), '')`: the setting's value, NULL when it is unset (the
 * `true` makes an unknown setting NULL instead of an error) or was reset to '' (what a
 * transaction-local setting reads as once its transaction has ended), so an unset scope matches
 * no row instead of failing or matching ''.
 */
export function setting(name: AppSetting): SQL {
  // Policies are DDL: no bind parameters, so the name is written into the SQL. Only names of the
  // app.* pattern are accepted, which need no escaping.
  if (!SETTING_NAME.test(name)) throw new Error(`invalid setting name ${JSON.stringify(name)} (app.snake_case)`);
  return sql.raw(`nullif(current_setting('${name}', true), '')`);
}

/** The caller's tenant (uuid), NULL outside a tenant scope. */
export const tenantScope: SQL = sql`${setting(TENANT_SETTING)}::uuid`;
/** True in any tenant's scope, whichever tenant. */
export const inTenantScope: SQL = sql`${setting(TENANT_SETTING)} is not null`;
/** True in the worker protocol's scope (lib/db's `{ worker: true }`). */
export const workerScope: SQL = sql.raw(`current_setting('${WORKER_SETTING}', true) = 'on'`);

/** `<expression> = <setting>`: a lookup keyed by what the caller presented (e.g. an email, a token hash). */
export function settingMatches(name: AppSetting, expression: SQL | PgColumn): SQL {
  return sql`${expression} = ${setting(name)}`;
}

/** The tenant isolation policies made here, with the column they isolate by (for the declaration's checks). */
const isolationColumns = new WeakMap<PgPolicy, string>();

/**
 * The tenant isolation policy: for every command, a row is visible and writable only when its
 * tenant column equals the transaction's app.tenant_id. Named `<table>_tenant_isolation` unless
 * `name` says otherwise (auth's policies predate the convention and keep their names).
 */
export function tenantIsolation(column: PgColumn, name?: string): PgPolicy {
  const condition = sql`${column} = ${tenantScope}`;
  const policy = pgPolicy(name ?? `${getTableName(column.table)}_tenant_isolation`, {
    for: 'all',
    using: condition,
    withCheck: condition,
  });
  isolationColumns.set(policy, column.name);
  return policy;
}

export type PolicyCommand = 'all' | 'select' | 'insert' | 'update' | 'delete';

/**
 * A permissive policy admitting `condition` for one command: the condition is the USING clause
 * (which rows it may see or change) and, where the command writes, the WITH CHECK clause (which
 * rows it may leave behind). E.g. `scopePolicy('jobs_worker_update', 'update', workerScope)`.
 */
export function scopePolicy(name: string, command: PolicyCommand, condition: SQL): PgPolicy {
  return pgPolicy(name, {
    for: command,
    ...(command === 'insert' ? {} : { using: condition }),
    ...(command === 'select' || command === 'delete' ? {} : { withCheck: condition }),
  });
}

/**
 * A SELECT-only policy for a lookup made before the tenant is known (auth's login and refresh):
 * the rows whose `expression` equals the setting the caller presented, nothing else. It never
 * admits a write: the transaction moves into the found row's tenant scope for those.
 */
export function lookupPolicy(name: string, settingName: AppSetting, expression: SQL | PgColumn): PgPolicy {
  return scopePolicy(name, 'select', settingMatches(settingName, expression));
}

// ---------------------------------------------------------------------------------------------
// The declaration: what the application role may do to each table.

/** Table-level privileges the application role may hold; UPDATE is declared per column or whole. */
export type TablePrivilege = 'select' | 'insert' | 'delete';
const TABLE_PRIVILEGES: readonly TablePrivilege[] = ['select', 'insert', 'delete'];

type ColumnOf<T extends PgTable> = T['_']['columns'][keyof T['_']['columns']];

interface Grants<T extends PgTable> {
  /** SELECT, INSERT, DELETE on the whole table. */
  grant: readonly TablePrivilege[];
  /**
   * UPDATE: of every column ('all'), or only of these columns (the table's own drizzle columns,
   * so a misspelt one fails typecheck). Omitted: no UPDATE. A tenant table lists its columns, and
   * never its tenant column.
   */
  update?: 'all' | readonly ColumnOf<T>[];
}

/**
 * Grants on one table to roles other than the application role, by role name: a role with a
 * narrower purpose that alone may touch a table or column (e.g. auth's signer role, the only one
 * that may read private signing keys). Each such role is created NOLOGIN when missing, like the
 * application role, and must own nothing either.
 */
type OtherRoles<T extends PgTable> = Readonly<Record<string, Grants<T>>>;

export interface TenantTableOptions<T extends PgTable> extends Grants<T> {
  /** Grants to other roles than the application role (see OtherRoles). */
  roles?: OtherRoles<T>;
  /** The column rows are isolated by: the table's tenant_id unless given (auth's tenants: its id). */
  tenantColumn?: ColumnOf<T>;
  /**
   * The single-column primary key is generated by the server (e.g. randomUUID in the service),
   * never taken from input, so its uniqueness reveals nothing across tenants. A key with a
   * database default (gen_random_uuid()) needs no declaration.
   */
  serverGeneratedKey?: boolean;
}

export interface SharedTableOptions<T extends PgTable> extends Grants<T> {
  /** Grants to other roles than the application role (see OtherRoles). */
  roles?: OtherRoles<T>;
  /** Why the table is not tenant data: said where the next reader of the schema looks. */
  why: string;
  /** Row Level Security with the table's own policies (default), or none at all (`false`). */
  rls?: boolean;
}

export interface PolicySpec {
  name: string;
  command: 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  permissive: boolean;
  /** Role names the policy applies to, sorted; `public` for everyone. */
  roles: string[];
}

/** One table's declared security, resolved from its drizzle definition. */
export interface TableSecurity {
  readonly table: PgTable;
  readonly schema: string;
  readonly name: string;
  /** `"schema"."name"`, as the SQL names it. */
  readonly qualified: string;
  readonly kind: 'tenant' | 'shared';
  readonly rls: boolean;
  /** Tenant tables: the SQL name of the column rows are isolated by. */
  readonly tenantColumn: string | undefined;
  /** Tenant tables: the name of the policy made by `tenantIsolation`. */
  readonly tenantPolicy: string | undefined;
  readonly serverGeneratedKey: boolean;
  readonly why: string | undefined;
  readonly privileges: readonly TablePrivilege[];
  /** SQL column names the role may UPDATE, or 'all' (a table-level UPDATE grant). */
  readonly update: 'all' | readonly string[];
  /** Every SQL column name of the table, in declaration order. */
  readonly columns: readonly string[];
  readonly policies: readonly PolicySpec[];
  /** Grants to roles other than the application role, by role name (none: empty). */
  readonly otherRoles: readonly RoleGrants[];
}

/** One role's privileges on one table, resolved. */
export interface RoleGrants {
  readonly role: string;
  readonly privileges: readonly TablePrivilege[];
  readonly update: 'all' | readonly string[];
}

/** What a subgraph exports from src/db/schema.ts as `security`. */
export interface SecurityDeclaration {
  readonly role: string;
  /** The other roles some table grants to (TableSecurity.otherRoles), sorted. */
  readonly otherRoles: readonly string[];
  readonly tables: readonly TableSecurity[];
}

const declared = Symbol('eventzr.security');
type Pending = () => TableSecurity;

/** A table of tenant data: RLS enabled and forced, isolated by its tenant column through `tenantIsolation`. */
export function tenantTable<T extends PgTable>(table: T, options: TenantTableOptions<T>): Pending {
  return () =>
    resolve(table, options, {
      kind: 'tenant',
      rls: true,
      tenantColumn: (options.tenantColumn as PgColumn | undefined) ?? 'tenant_id',
      serverGeneratedKey: options.serverGeneratedKey ?? false,
      why: undefined,
    });
}

/** A table that is deliberately not tenant data (platform-wide), with or without RLS. */
export function sharedTable<T extends PgTable>(table: T, options: SharedTableOptions<T>): Pending {
  return () =>
    resolve(table, options, {
      kind: 'shared',
      rls: options.rls ?? true,
      tenantColumn: undefined,
      serverGeneratedKey: false,
      why: options.why,
    });
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (value: string): string => `'${value.replace(/'/g, "''")}'`;

type PolicyTo = NonNullable<PgPolicy['to']>;
const roleNames = (to: PolicyTo): string[] =>
  Array.isArray(to) ? to.flatMap(roleNames) : [typeof to === 'string' ? to : to.name];
const policyTo = (policy: PgPolicy): string[] => roleNames(policy.to ?? 'public').sort();

const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;
/** Grants of any table, as `resolve` reads them (its columns are checked against the table there). */
type AnyGrants = { grant: readonly TablePrivilege[]; update?: 'all' | readonly PgColumn[] };

function resolve(
  table: PgTable,
  options: AnyGrants & { why?: string; roles?: Readonly<Record<string, AnyGrants>> },
  kind: {
    kind: TableSecurity['kind'];
    rls: boolean;
    tenantColumn: PgColumn | string | undefined;
    serverGeneratedKey: boolean;
    why: string | undefined;
  },
): TableSecurity {
  if (!is(table, PgTable)) throw new Error('declareSecurity: expected a drizzle pgTable');
  const config = getTableConfig(table);
  const schema = config.schema ?? 'public';
  const name = config.name;
  const label = `${schema}.${name}`;
  const problem = (message: string) => new Error(`security declaration, table ${label}: ${message}`);
  const columnsByKey = getTableColumns(table);
  const owned = new Set(Object.values(columnsByKey));
  const columns = Object.values(columnsByKey).map((c) => c.name);

  const grantsOf = (grants: AnyGrants, who: string): Omit<RoleGrants, 'role'> => {
    for (const p of grants.grant)
      if (!TABLE_PRIVILEGES.includes(p))
        throw problem(`${who}: unknown privilege ${JSON.stringify(p)} (select, insert, delete)`);
    if (new Set(grants.grant).size !== grants.grant.length) throw problem(`${who}: a privilege is listed twice`);
    let update: TableSecurity['update'] = [];
    if (grants.update === 'all') update = 'all';
    else if (grants.update) {
      for (const c of grants.update as readonly PgColumn[])
        if (!owned.has(c))
          throw problem(`${who}: UPDATE of column "${c.name}", which is not one of this table's columns`);
      update = (grants.update as readonly PgColumn[]).map((c) => c.name);
      if (new Set(update).size !== update.length) throw problem(`${who}: an UPDATE column is listed twice`);
      if (update.length === 0) throw problem(`${who}: \`update: []\` grants nothing: leave it out`);
    }
    const privileges = [...grants.grant].sort((a, b) => TABLE_PRIVILEGES.indexOf(a) - TABLE_PRIVILEGES.indexOf(b));
    return { privileges, update };
  };
  const { privileges, update } = grantsOf(options, 'the application role');
  const otherRoles = Object.entries(options.roles ?? {}).map(([role, grants]): RoleGrants => {
    if (!ROLE_NAME.test(role)) throw problem(`role ${JSON.stringify(role)} is not snake_case`);
    return { role, ...grantsOf(grants, `role ${role}`) };
  });

  const policies = config.policies.map((p): PolicySpec => ({
    name: p.name,
    command: (p.for ?? 'all').toUpperCase() as PolicySpec['command'],
    permissive: (p.as ?? 'permissive') === 'permissive',
    roles: policyTo(p),
  }));
  const rlsInDrizzle = config.enableRLS || config.policies.length > 0;
  if (kind.rls && !config.enableRLS)
    throw problem('has Row Level Security in the declaration: define the table with .enableRLS()');
  if (!kind.rls && rlsInDrizzle)
    throw problem('is declared without Row Level Security but has policies or .enableRLS()');
  if (kind.kind === 'shared') {
    if (!kind.why?.trim()) throw problem('a table that is not tenant data must say why');
    if (columns.includes('tenant_id')) throw problem('has a tenant_id column: declare it with tenantTable');
  }

  let tenantColumn: string | undefined;
  let tenantPolicy: string | undefined;
  if (kind.kind === 'tenant') {
    if (typeof kind.tenantColumn === 'string') {
      if (!columns.includes(kind.tenantColumn))
        throw problem('has no tenant_id column: name the column rows are isolated by (tenantColumn)');
      tenantColumn = kind.tenantColumn;
    } else {
      if (!kind.tenantColumn || !owned.has(kind.tenantColumn))
        throw problem("tenantColumn must be one of this table's columns");
      tenantColumn = kind.tenantColumn.name;
    }
    const isolation = config.policies.filter((p) => isolationColumns.get(p) === tenantColumn);
    if (isolation.length !== 1)
      throw problem(
        `needs exactly one tenantIsolation(${tenantColumn}) policy in its extra config (has ${isolation.length})`,
      );
    tenantPolicy = isolation[0]!.name;
    // Moving a row to another tenant is never an update the code makes (the policy's WITH CHECK
    // would refuse it anyway): the grant does not offer it.
    for (const g of [{ update }, ...otherRoles]) {
      if (g.update === 'all') throw problem(`UPDATE of every column would include ${tenantColumn}: list the columns`);
      if (g.update.includes(tenantColumn)) throw problem(`UPDATE of the tenant column ${tenantColumn}`);
    }
  }

  return {
    table,
    schema,
    name,
    qualified: `${quoteIdent(schema)}.${quoteIdent(name)}`,
    kind: kind.kind,
    rls: kind.rls,
    tenantColumn,
    tenantPolicy,
    serverGeneratedKey: kind.serverGeneratedKey,
    why: kind.why,
    privileges,
    update,
    columns,
    policies,
    otherRoles,
  };
}

/**
 * A subgraph's security declaration: every table of its schema, once. Mistakes in it (a column of
 * another table, a tenant table without its isolation policy, a shared table without a reason)
 * throw when the schema module loads, so neither a migration nor a test runs on a wrong one.
 */
export function declareSecurity(tables: readonly Pending[], options: { role?: string } = {}): SecurityDeclaration {
  const resolved = tables.map((t) => t());
  const seen = new Set<string>();
  for (const t of resolved) {
    if (seen.has(t.qualified)) throw new Error(`security declaration: table ${t.schema}.${t.name} is declared twice`);
    seen.add(t.qualified);
  }
  const role = options.role ?? APP_ROLE;
  if (!ROLE_NAME.test(role)) throw new Error(`security declaration: role ${JSON.stringify(role)} is not snake_case`);
  const otherRoles = [...new Set(resolved.flatMap((t) => t.otherRoles.map((g) => g.role)))].sort();
  if (otherRoles.includes(role))
    throw new Error(`security declaration: "${role}" is the application role; declare its grants with \`grant\``);
  const declaration = { role, otherRoles, tables: resolved };
  Object.defineProperty(declaration, declared, { value: true });
  return declaration;
}

/** Whether `value` was made by declareSecurity (what bin/db-security looks for in a schema module). */
export function isSecurityDeclaration(value: unknown): value is SecurityDeclaration {
  return typeof value === 'object' && value !== null && declared in value;
}

const BREAK = '--> statement-breakpoint';

/**
 * The SQL drizzle-kit cannot express, for the whole declaration: the role (when missing), USAGE
 * on each schema, ENABLE + FORCE ROW LEVEL SECURITY on every RLS table (FORCE so the policies bind
 * the owner too), and the role's privileges restated exactly: REVOKE ALL, then the declared
 * GRANTs. Every statement is idempotent, so the migration holds on a database in any earlier
 * state, and a later declaration's migration simply restates the whole.
 */
export function securitySql(declaration: SecurityDeclaration): string {
  const role = quoteIdent(declaration.role);
  const createRole = (name: string) =>
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(name)}) ` +
    `THEN CREATE ROLE ${quoteIdent(name)} NOLOGIN; END IF; END $$;`;
  const statements: string[] = [createRole(declaration.role)];
  const schemas = [...new Set(declaration.tables.map((t) => t.schema))].sort();
  statements.push(`GRANT USAGE ON SCHEMA ${schemas.map(quoteIdent).join(', ')} TO ${role};`);
  for (const other of declaration.otherRoles) {
    statements.push(createRole(other));
    const theirs = [
      ...new Set(declaration.tables.filter((t) => t.otherRoles.some((g) => g.role === other)).map((t) => t.schema)),
    ];
    statements.push(`GRANT USAGE ON SCHEMA ${theirs.sort().map(quoteIdent).join(', ')} TO ${quoteIdent(other)};`);
  }
  const grant = (t: TableSecurity, grantee: string, g: Omit<RoleGrants, 'role'>) => {
    const privileges = g.privileges.map((p) => p.toUpperCase());
    if (g.update === 'all') privileges.push('UPDATE');
    else if (g.update.length > 0) privileges.push(`UPDATE (${g.update.map(quoteIdent).join(', ')})`);
    if (privileges.length > 0) statements.push(`GRANT ${privileges.join(', ')} ON TABLE ${t.qualified} TO ${grantee};`);
  };
  // Table by table, so a reader sees each table's whole access in one place.
  for (const t of declaration.tables) {
    if (t.rls) statements.push(`ALTER TABLE ${t.qualified} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`);
    // Revoking on the table revokes every column privilege on it too.
    statements.push(`REVOKE ALL ON TABLE ${t.qualified} FROM ${role};`);
    grant(t, role, t);
    // Every other role is restated on every table: what it does not hold here, it loses.
    for (const other of declaration.otherRoles) {
      statements.push(`REVOKE ALL ON TABLE ${t.qualified} FROM ${quoteIdent(other)};`);
      const g = t.otherRoles.find((r) => r.role === other);
      if (g) grant(t, quoteIdent(other), g);
    }
  }
  return statements.join(`${BREAK}\n`) + '\n';
}
