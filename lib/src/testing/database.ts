// A fresh, migrated database per test file. PGlite in memory by default; a real Postgres
// database (created here, dropped afterwards) when TEST_POSTGRES_URL is set, with the application
// connecting as a role that owns no table, exactly as in production.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { readConfig, testEnvSchema } from '../config.ts';
import { openDatabase, type Database, type Tx } from '../db.ts';

export interface TestDatabase extends Database {
  /** Drops the database (Postgres) or closes it (PGlite). */
  destroy(): Promise<void>;
  /**
   * Runs `fn` in one transaction as the role that migrated the database (Postgres: the table
   * owner; PGlite: its superuser), for tests that change the schema and roll the change back.
   */
  asOwner<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Postgres: the signer role's login on this database (TEST_POSTGRES_SIGNER_URL), the only one
   * that may read auth's private signing keys; undefined on PGlite (a SET ROLE there).
   */
  readonly signerUrl: string | undefined;
}

export const usingRealPostgres = (): boolean => Boolean(readConfig(testEnvSchema).TEST_POSTGRES_URL);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabaseOptions {
  /**
   * Migrate in two steps, as a database deployed earlier would be: first only this many of the
   * folder's migrations (the journal's first entries), then, reopening it, all of them.
   */
  upgradeFrom?: number;
  /** With upgradeFrom: runs as the owner on the earlier database, before the upgrade (data to migrate). */
  beforeUpgrade?: (owner: Tx) => Promise<void>;
}

/** A copy of a migrations folder whose journal lists only its first `count` entries. */
function earlierMigrations(folder: string, count: number): string {
  const copy = mkdtempSync(join(tmpdir(), 'eventzr-migrations-'));
  cpSync(folder, copy, { recursive: true });
  const journalFile = join(copy, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
  if (!Number.isInteger(count) || count < 1 || count >= journal.entries.length)
    throw new Error(`upgradeFrom: between 1 and ${journal.entries.length - 1} migrations of ${folder}`);
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalFile, JSON.stringify(journal));
  return copy;
}

export async function createTestDatabase(
  name: string,
  migrationsFolder: string,
  options: TestDatabaseOptions = {},
): Promise<TestDatabase> {
  const env = readConfig(testEnvSchema);
  const earlier =
    options.upgradeFrom === undefined ? undefined : earlierMigrations(migrationsFolder, options.upgradeFrom);
  // The earlier state may predate the application role: it is checked once the upgrade is done.
  const migrateEarlier = async (opts: Omit<Parameters<typeof openDatabase>[0], 'migrationsFolder'>) => {
    if (!earlier) return;
    try {
      const db = await openDatabase({ ...opts, migrationsFolder: earlier, requireConfinedRole: false });
      try {
        const fill = options.beforeUpgrade;
        if (fill && opts.migratorUrl) {
          const owner = new pg.Client({ connectionString: opts.migratorUrl });
          await owner.connect();
          try {
            await (drizzle(owner) as unknown as Database['db']).transaction(fill);
          } finally {
            await owner.end().catch(() => undefined);
          }
        } else if (fill) await db.db.transaction(fill);
      } finally {
        await db.close();
      }
    } finally {
      rmSync(earlier, { recursive: true, force: true });
    }
  };
  if (!env.TEST_POSTGRES_URL) {
    // An upgrade reopens the same database: PGlite keeps it in a temporary directory then.
    const dataDir = earlier && mkdtempSync(join(tmpdir(), 'eventzr-pglite-'));
    await migrateEarlier({ name, dataDir });
    const database = await openDatabase({ name, migrationsFolder, dataDir });
    // Outside `run` PGlite's one connection is its superuser: no SET ROLE.
    return Object.assign(database, {
      signerUrl: undefined,
      async destroy() {
        await database.close();
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
      asOwner: <T>(fn: (tx: Tx) => Promise<T>) => database.db.transaction(fn),
    });
  }
  if (!env.TEST_POSTGRES_APP_URL) throw new Error('TEST_POSTGRES_APP_URL must be set with TEST_POSTGRES_URL');
  const dbName = `t_${name}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: env.TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const migratorUrl = withDatabase(env.TEST_POSTGRES_URL, dbName);
  await migrateEarlier({ name, url: withDatabase(env.TEST_POSTGRES_APP_URL, dbName), migratorUrl, poolMax: 1 });
  const database = await openDatabase({
    name,
    migrationsFolder,
    url: withDatabase(env.TEST_POSTGRES_APP_URL, dbName),
    migratorUrl,
    poolMax: 25,
  });
  return Object.assign(database, {
    signerUrl: env.TEST_POSTGRES_SIGNER_URL && withDatabase(env.TEST_POSTGRES_SIGNER_URL, dbName),
    async asOwner<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const owner = new pg.Client({ connectionString: migratorUrl });
      await owner.connect();
      try {
        return await (drizzle(owner) as unknown as Database['db']).transaction(fn);
      } finally {
        await owner.end().catch(() => undefined);
      }
    },
    async destroy() {
      await database.close();
      // The server may still be tearing down the pool's backends on a loaded machine: retry.
      for (let attempt = 1; ; attempt++) {
        const c = new pg.Client({ connectionString: env.TEST_POSTGRES_URL });
        try {
          await c.connect();
          await c.query(`drop database if exists ${dbName} with (force)`);
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        } finally {
          await c.end().catch(() => undefined);
        }
      }
    },
  });
}
