// Database bootstrap shared by every subgraph: embedded PGlite (file-backed) by default, real
// Postgres when DATABASE_URL is set; the same drizzle-kit migrations and Row Level Security on
// both. Every request runs in a short transaction that sets its scope with
// set_config(..., true) (transaction-local, so nothing leaks across pooled connections) under the
// application role, which owns no table, is no member of a table owner's role and cannot bypass
// RLS: each process refuses to start otherwise. What the policies and grants are is lib/rls's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { isConnectionError, serviceUnavailable } from './errors.ts';
import type { Logger } from './logger.ts';
import { APP_ROLE, TENANT_SETTING, WORKER_SETTING } from './rls.ts';

export { APP_ROLE };

export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;
export type Tx = PgTransaction<
  PgQueryResultHKT,
  Record<string, never>,
  ExtractTablesWithRelations<Record<string, never>>
>;

/** Transaction-local settings that RLS policies read (`current_setting('app.…', true)`). */
export type Scope = { tenantId: string } | { worker: true } | { settings: Record<`app.${string}`, string> };

export interface DatabaseOptions {
  /** Subgraph name: names the PGlite directory and the migration lock. */
  name: string;
  migrationsFolder: string;
  /** Application connection; when absent an embedded PGlite is used. */
  url?: string | undefined;
  /** Connection that owns the tables, used only to migrate. Defaults to `url`. */
  migratorUrl?: string | undefined;
  /** PGlite data directory root (`<dataDir>/<name>`); absent → in memory. */
  dataDir?: string | undefined;
  poolMax?: number;
  /** How long the pool waits for a new connection before the request fails (retryable). Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Where lost connections are reported (warn); they never crash the process. */
  log?: Logger;
  /** Refuse to start when the application role could bypass RLS (always on outside tests of that check). */
  requireConfinedRole?: boolean;
}

/**
 * What the application role could do around Row Level Security. Tables are counted in every
 * schema except the system's (pg_*, information_schema): drizzle's own `drizzle` schema included,
 * since its migrations table belongs to the migrator and the application role must not own it either.
 */
export interface RoleReport {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
  /** Tables (and partitioned tables) the role owns, as `schema.table`: their owner escapes non-forced RLS and may drop it. */
  ownedTables: string[];
  /** Owners of tables the role is a member of (it can SET ROLE to them, or inherits their rights), with those tables. */
  memberOfOwners: { owner: string; tables: string[] }[];
}

/** Why a role reported by `appRoleReport` must not run requests; empty when it may. */
export function confinementProblems(r: RoleReport): string[] {
  const some = (names: string[]) =>
    names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
  const problems: string[] = [];
  if (r.superuser) problems.push('is a superuser');
  if (r.bypassRls) problems.push('has BYPASSRLS');
  if (r.ownedTables.length > 0) problems.push(`owns ${r.ownedTables.length} table(s) (${some(r.ownedTables)})`);
  // A superuser counts as a member of every role: that is already said above.
  if (!r.superuser)
    for (const m of r.memberOfOwners)
      problems.push(`is a member of the owner role "${m.owner}" of ${m.tables.length} table(s) (${some(m.tables)})`);
  return problems;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Application statements run since start (drizzle's logger, transaction control excluded): what tests count. */
  readonly stats: { statements: number };
  /**
   * Runs `fn` in one transaction with the given RLS scope, as the application role. When the
   * database is out (connection refused or lost, server shutting down or starting) the transaction
   * is gone and it throws SERVICE_UNAVAILABLE (retryable) instead of the driver's error.
   */
  run<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** One trivial statement: rejects while the database is out. */
  ping(): Promise<void>;
  appRoleReport(): Promise<RoleReport>;
  close(): Promise<void>;
}

function scopeSettings(scope: Scope): Record<string, string> {
  if ('tenantId' in scope) return { [TENANT_SETTING]: scope.tenantId };
  if ('worker' in scope) return { [WORKER_SETTING]: 'on' };
  return scope.settings;
}

/** Non-system schemas: every schema but pg_* (pg_catalog, pg_toast, temporary ones) and information_schema. */
export const USER_SCHEMAS = sql`n.nspname !~ '^pg_' and n.nspname <> 'information_schema'`;

const rowsOf = async <T>(tx: Tx, query: SQL): Promise<T[]> =>
  ((await tx.execute(query)) as unknown as { rows: T[] }).rows;

/** The report for `role` (default: the transaction's current_user), read from the catalog. */
export async function readRoleReport(tx: Tx, role?: string): Promise<RoleReport> {
  const who = role === undefined ? sql`current_user` : sql`${role}::name`;
  const [attrs] = await rowsOf<{ role: string; superuser: boolean; bypass_rls: boolean }>(
    tx,
    sql`select rolname as role, rolsuper as superuser, rolbypassrls as bypass_rls from pg_roles where rolname = ${who}`,
  );
  if (!attrs) throw new Error(`role ${role ?? 'current_user'} not found in pg_roles`);
  // pg_has_role(.., 'MEMBER') is true for the role itself too: owning is the case owner = role.
  const tables = await rowsOf<{ name: string; owner: string; own: boolean }>(
    tx,
    sql`
      select n.nspname || '.' || c.relname as name, o.rolname as owner, o.rolname = ${who} as own
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_roles o on o.oid = c.relowner
       where c.relkind in ('r', 'p') and ${USER_SCHEMAS}
         and pg_has_role(${who}, c.relowner, 'MEMBER')
       order by 1`,
  );
  const memberOf = new Map<string, string[]>();
  for (const t of tables.filter((t) => !t.own)) memberOf.set(t.owner, [...(memberOf.get(t.owner) ?? []), t.name]);
  return {
    role: attrs.role,
    superuser: attrs.superuser,
    bypassRls: attrs.bypass_rls,
    ownedTables: tables.filter((t) => t.own).map((t) => t.name),
    memberOfOwners: [...memberOf].map(([owner, names]) => ({ owner, tables: names })),
  };
}

/** How a lost connection is reported: never thrown (an 'error' event nobody listens to kills the process). */
const lostConnection = (log: Logger | undefined, what: string) => (err: Error) =>
  log?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, `${what} lost`);

/**
 * A node-postgres pool that survives its server going away (restart, failover): an idle client
 * that errors is dropped by the pool; a client checked out by a transaction has no pool listener
 * while it is out, so each gets its own for its whole life (its statement fails, and the broken
 * client is not reused). During an outage a request waits `connectTimeoutMs` for a connection at
 * most; the pool opens new connections by itself once the server is back.
 */
function resilientPool(url: string, max: number, connectTimeoutMs: number, log: Logger | undefined): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: connectTimeoutMs });
  // The idle client's error, re-emitted by the pool: its own listener below has logged it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', lostConnection(log, 'database connection')));
  return pool;
}

/** Runs `work` (one transaction); a database outage becomes the retryable SERVICE_UNAVAILABLE. */
async function outageAsUnavailable<T>(work: () => Promise<T>, log: Logger | undefined): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!isConnectionError(err)) throw err;
    const cause = err as { message?: string; code?: string; cause?: { message?: string; code?: string } };
    log?.warn(
      { err: { message: cause.cause?.message ?? cause.message, code: cause.cause?.code ?? cause.code } },
      'transaction failed: database unavailable',
    );
    throw Object.assign(serviceUnavailable(), { cause: err });
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const stats = { statements: 0 };
  // node-postgres sessions send BEGIN/COMMIT through the logger and PGlite does not: count the
  // application's statements only, so the same operation counts the same on both.
  const logger = {
    logQuery: (query: string) => {
      if (!/^\s*(begin|commit|rollback|savepoint|release)\b/i.test(query)) stats.statements++;
    },
  };

  if (!opts.url) {
    let dir: string | undefined;
    if (opts.dataDir) {
      dir = join(opts.dataDir, opts.name);
      mkdirSync(dir, { recursive: true });
    }
    const client = dir ? new PGlite(dir) : new PGlite();
    await client.waitReady;
    await migratePglite(drizzlePglite(client), { migrationsFolder: opts.migrationsFolder });
    const db = drizzlePglite(client, { logger }) as unknown as Db;
    // PGlite has one connection and runs as its superuser: each transaction drops to the
    // application role, so RLS applies exactly as on a real server. PGlite queues concurrent
    // transactions itself, which serializes them.
    return finish('pglite', db, stats, true, async () => client.close(), opts);
  }

  const migrator = new pg.Client({ connectionString: opts.migratorUrl ?? opts.url });
  migrator.on('error', lostConnection(opts.log, 'database migrator connection'));
  await migrator.connect();
  try {
    // Replicas starting together take turns; the second finds nothing to apply.
    await migrator.query('select pg_advisory_lock(hashtext($1))', [`eventzr-migrate:${opts.name}`]);
    await migrateNodePg(drizzleNodePg(migrator), { migrationsFolder: opts.migrationsFolder });
  } finally {
    await migrator.end().catch(() => undefined);
  }
  const pool = resilientPool(opts.url, opts.poolMax ?? 10, opts.connectTimeoutMs ?? 5000, opts.log);
  const db = drizzleNodePg(pool, { logger }) as unknown as Db;
  return finish('postgres', db, stats, false, async () => pool.end(), opts);
}

async function finish(
  kind: Database['kind'],
  db: Db,
  stats: { statements: number },
  setRole: boolean,
  close: () => Promise<void>,
  opts: DatabaseOptions,
): Promise<Database> {
  const transaction: Database['run'] = (scope, fn) =>
    db.transaction(async (tx) => {
      const settings = Object.entries(scopeSettings(scope));
      if (setRole) settings.unshift(['role', APP_ROLE]);
      if (settings.length > 0) {
        // One statement for the whole scope; `true` makes every setting transaction-local.
        const calls = sql.join(
          settings.map(([k, v]) => sql`set_config(${k}, ${v}, true)`),
          sql`, `,
        );
        await tx.execute(sql`select ${calls}`);
      }
      return fn(tx);
    });
  const run: Database['run'] = (scope, fn) => outageAsUnavailable(() => transaction(scope, fn), opts.log);

  const database: Database = {
    kind,
    db,
    stats,
    run,
    async ping() {
      await db.execute(sql`select 1`);
    },
    appRoleReport: () => run({ settings: {} }, (tx) => readRoleReport(tx)),
    close,
  };

  if (opts.requireConfinedRole !== false) {
    const report = await database.appRoleReport();
    const problems = confinementProblems(report);
    if (problems.length > 0) {
      await close();
      throw new Error(
        `Refusing to start: the application role "${report.role}" ${problems.join('; ')}, so Row Level Security ` +
          `would not isolate tenants. Connect DATABASE_URL as a role that owns no table and is no member of a ` +
          `table owner's role, and migrate with DATABASE_MIGRATOR_URL.`,
      );
    }
  }
  return database;
}

/**
 * A connection for one narrower role than the application role, for the few statements only it
 * may run (e.g. auth's signer role, the only one that may read private signing keys). Kept apart
 * from `Database` on purpose: the request path never holds it.
 */
export interface RoleDatabase {
  readonly role: string;
  /** Runs `fn` in one transaction as `role`. */
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Opens `role`'s connection. On Postgres `url` is a login that is `role` or a member of it (SET
 * ROLE per transaction); like the application role it must be neither a superuser nor BYPASSRLS
 * and own no table, or this refuses. Without `url`, on the embedded PGlite (one superuser
 * connection), `database`'s connection drops to the role per transaction, as it does for the
 * application role.
 */
export async function openRoleDatabase(
  role: string,
  url: string | undefined,
  database?: Pick<Database, 'kind' | 'db'>,
  opts: { poolMax?: number; connectTimeoutMs?: number; log?: Logger } = {},
): Promise<RoleDatabase> {
  const asRole =
    (db: Db) =>
    <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
      db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('role', ${role}, true)`);
        return fn(tx);
      });
  if (!url) {
    if (database?.kind === 'pglite') return { role, run: asRole(database.db), close: async () => undefined };
    throw new Error(`the ${role} role needs its own connection URL on PostgreSQL`);
  }
  const pool = resilientPool(url, opts.poolMax ?? 2, opts.connectTimeoutMs ?? 5000, opts.log);
  const transaction = asRole(drizzleNodePg(pool) as unknown as Db);
  const run = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => outageAsUnavailable(() => transaction(fn), opts.log);
  try {
    // The role, and the login that becomes it: neither may reach past its grants.
    const reports = await run(async (tx) => {
      const [login] = await rowsOf<{ name: string }>(tx, sql`select session_user as name`);
      return [await readRoleReport(tx), await readRoleReport(tx, login!.name)];
    }).catch((err: unknown) => {
      // drizzle wraps the driver's error: its cause says why (e.g. not a member of the role).
      const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
      throw new Error(`Refusing to start: this connection cannot act as the role "${role}": ${cause}`);
    });
    for (const report of reports) {
      const problems = confinementProblems(report);
      if (problems.length > 0) throw new Error(`Refusing to start: the role "${report.role}" ${problems.join('; ')}.`);
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return { role, run, close: () => pool.end() };
}
