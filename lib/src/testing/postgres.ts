// A private PostgreSQL server for the outage tests: they stop and start it under load, which the
// shared test server (scripts/with-postgres.sh, used by every suite at once) must not suffer.
// Same roles as the shared one (a table owner that migrates, an application role that owns
// nothing, auth's signer role); the server runs as the `postgres` OS user when the tests run as root, as
// with-postgres.sh does. Needs TEST_POSTGRES_BIN (set by with-postgres.sh).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readConfig, testEnvSchema } from '../config.ts';
import { freePort } from './http.ts';

/** True when a private server can be made (TEST_POSTGRES_BIN is set): the outage tests run only then. */
export const canStartPrivatePostgres = (): boolean => Boolean(readConfig(testEnvSchema).TEST_POSTGRES_BIN);

export interface PrivatePostgres {
  port: number;
  /** The postgres superuser, on database `postgres`. */
  adminUrl: string;
  /** Connection URLs of the owner and application roles on `database`. */
  ownerUrl(database: string): string;
  appUrl(database: string): string;
  /** The auth subgraph's signer role, the only one that may read signing keys. */
  signerUrl(database: string): string;
  /** Creates `database` owned by the owner role. */
  createDatabase(database: string): Promise<void>;
  /** Fast shutdown (every backend terminated, as in a restart or failover); resolves once it is down. */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  destroy(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = readConfig(testEnvSchema).TEST_POSTGRES_BIN;
  if (!bin) throw new Error('TEST_POSTGRES_BIN is not set (run under scripts/with-postgres.sh)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'eventzr-pg-private-'));
  const data = join(dir, 'data');
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    chownSync(dir, uid, -1);
  }
  // The server refuses to run as root: as the postgres user then (the arguments are ours: no quotes).
  const command = (cmd: string, args: string[]): [string, string[]] =>
    root ? ['su', ['postgres', '-c', [cmd, ...args].map((a) => `'${a}'`).join(' ')]] : [cmd, args];
  const run = async (cmd: string, args: string[]) => void (await promisify(execFile)(...command(cmd, args)));
  const port = await freePort();
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const ctl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', data, '-w', ...args]);
  const start = () =>
    ctl('-l', join(dir, 'log'), '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off`, 'start');
  await start();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = async (statements: string[]) => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      for (const s of statements) await c.query(s);
    } finally {
      await c.end();
    }
  };
  try {
    await admin([
      "create role eventzr_owner login password 'owner-test' nosuperuser nobypassrls",
      "create role eventzr_app login password 'app-test' nosuperuser nobypassrls nocreatedb nocreaterole",
      "create role eventzr_signer login password 'signer-test' nosuperuser nobypassrls nocreatedb nocreaterole",
    ]);
  } catch (err) {
    await ctl('-m', 'immediate', 'stop').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    adminUrl,
    ownerUrl: (db) => `postgres://eventzr_owner:owner-test@127.0.0.1:${port}/${db}`,
    appUrl: (db) => `postgres://eventzr_app:app-test@127.0.0.1:${port}/${db}`,
    signerUrl: (db) => `postgres://eventzr_signer:signer-test@127.0.0.1:${port}/${db}`,
    createDatabase: (db) => admin([`create database ${db} owner eventzr_owner`]),
    stop: () => ctl('-m', 'fast', 'stop'),
    start,
    destroy() {
      try {
        execFileSync(...command(join(bin, 'pg_ctl'), ['-D', data, '-w', '-m', 'immediate', 'stop']), { stdio: 'pipe' });
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
