// A fresh, migrated database per test file. PGlite in memory by default; a real Postgres
// database (created here, dropped afterwards) when TEST_POSTGRES_URL is set, with the application
// connecting as a role that owns no table, exactly as in production.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readConfig, testEnvSchema } from '../config.ts';
import { openDatabase, type Database } from '../db.ts';

export interface TestDatabase extends Database {
  /** Drops the database (Postgres) or closes it (PGlite). */
  destroy(): Promise<void>;
}

export const usingRealPostgres = (): boolean => Boolean(readConfig(testEnvSchema).TEST_POSTGRES_URL);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestDatabase(name: string, migrationsFolder: string): Promise<TestDatabase> {
  const env = readConfig(testEnvSchema);
  if (!env.TEST_POSTGRES_URL) {
    const database = await openDatabase({ name, migrationsFolder });
    return Object.assign(database, { destroy: () => database.close() });
  }
  if (!env.TEST_POSTGRES_APP_URL) throw new Error('TEST_POSTGRES_APP_URL must be set with TEST_POSTGRES_URL');
  const dbName = `t_${name}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: env.TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const database = await openDatabase({
    name,
    migrationsFolder,
    url: withDatabase(env.TEST_POSTGRES_APP_URL, dbName),
    migratorUrl: withDatabase(env.TEST_POSTGRES_URL, dbName),
    poolMax: 25,
  });
  return Object.assign(database, {
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
