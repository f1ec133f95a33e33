// Database bootstrap shared by every subgraph: embedded PGlite (file-backed) by default, real
// Postgres when DATABASE_URL is set; the same drizzle-kit migrations and Row Level Security on
// both. Every request runs in a short transaction that sets its scope with
// set_config(..., true) (transaction-local, so nothing leaks across pooled connections) under the
// application role, which owns no table and cannot bypass RLS.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';

/** The role requests run as. Migrations grant it table privileges; it owns nothing. */
export const APP_ROLE = 'eventzr_app';

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
  /** Refuse to start when the application role could bypass RLS (always on outside tests of that check). */
  requireConfinedRole?: boolean;
}

export interface RoleReport {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
  ownedTables: number;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Db;
  /** Application statements run since start (drizzle's logger, transaction control excluded): what tests count. */
  readonly stats: { statements: number };
  /** Runs `fn` in one transaction with the given RLS scope, as the application role. */
  run<T>(scope: Scope, fn: (tx: Tx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  appRoleReport(): Promise<RoleReport>;
  close(): Promise<void>;
}

function scopeSettings(scope: Scope): Record<string, string> {
  if ('tenantId' in scope) return { 'app.tenant_id': scope.tenantId };
  if ('worker' in scope) return { 'app.worker': 'on' };
  return scope.settings;
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
  await migrator.connect();
  try {
    // Replicas starting together take turns; the second finds nothing to apply.
    await migrator.query('select pg_advisory_lock(hashtext($1))', [`eventzr-migrate:${opts.name}`]);
    await migrateNodePg(drizzleNodePg(migrator), { migrationsFolder: opts.migrationsFolder });
  } finally {
    await migrator.end().catch(() => undefined);
  }
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolMax ?? 10 });
  // An idle client that errors (server restart) must not crash the process: the pool drops it.
  pool.on('error', () => undefined);
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
  const run: Database['run'] = (scope, fn) =>
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

  const database: Database = {
    kind,
    db,
    stats,
    run,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async appRoleReport() {
      return run({ settings: {} }, async (tx) => {
        const res = (await tx.execute(sql`
          select r.rolname as role, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
                 (select count(*)::int from pg_class c
                   where c.relowner = r.oid and c.relkind in ('r', 'p')
                     and c.relnamespace = 'public'::regnamespace) as owned_tables
            from pg_roles r where r.rolname = current_user`)) as unknown as { rows: unknown[] };
        const row = res.rows[0] as
          { role: string; superuser: boolean; bypass_rls: boolean; owned_tables: number } | undefined;
        if (!row) throw new Error('current_user not found in pg_roles');
        return {
          role: row.role,
          superuser: row.superuser,
          bypassRls: row.bypass_rls,
          ownedTables: Number(row.owned_tables),
        };
      });
    },
    close,
  };

  if (opts.requireConfinedRole !== false) {
    const r = await database.appRoleReport();
    if (r.superuser || r.bypassRls || r.ownedTables > 0) {
      await close();
      throw new Error(
        `Refusing to start: the application role "${r.role}" ${
          r.superuser ? 'is a superuser' : r.bypassRls ? 'has BYPASSRLS' : `owns ${r.ownedTables} table(s)`
        }, so Row Level Security would not isolate tenants. Connect DATABASE_URL as a role that owns no table ` +
          `and migrate with DATABASE_MIGRATOR_URL.`,
      );
    }
  }
  return database;
}
