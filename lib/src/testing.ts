// Test support: a fresh, migrated database per test file. PGlite in memory by default; a real
// Postgres database (created here, dropped afterwards) when TEST_POSTGRES_URL is set, with the
// application connecting as a role that owns no table, exactly as in production.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { readConfig, testEnvSchema } from './config.ts';
import { openDatabase, type Database } from './db.ts';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { createClaimsSigner, operationHash, CLAIMS_HEADER, type Caller, type ClaimsKeyConfig } from './claims.ts';
import { createLogger } from './logger.ts';
import { createSubgraphServer, type SubgraphDefinition, type SubgraphServer } from './server.ts';
import type { Listening } from './http.ts';

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

// ---------------------------------------------------------------- subgraph test client

let keys: Promise<ClaimsKeyConfig> | undefined;
/** One Ed25519 pair per test process, as the launcher makes one per installation. */
export function testClaimsKeys(): Promise<ClaimsKeyConfig> {
  return (keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    return {
      ROUTER_CLAIMS_PRIVATE_KEY: await exportPKCS8(privateKey),
      ROUTER_CLAIMS_PUBLIC_KEY: await exportSPKI(publicKey),
      CLAIMS_TOKEN_TTL_SECONDS: 60,
    };
  })());
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
  };
}

export interface TestSubgraph {
  database: TestDatabase;
  server: SubgraphServer;
  listening: Listening;
  url: string;
  /** Posts an operation as `caller`, with a claims token signed the way the router signs it. */
  exec<T = Record<string, unknown>>(
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** Posts raw, for tests of what happens without (or with a bad) claims token. */
  post(body: unknown, headers?: Record<string, string>): Promise<GraphQLResponse>;
  sign(caller: Caller, query: string, variables?: Record<string, unknown>, audience?: string): Promise<string>;
  close(): Promise<void>;
}

/** A subgraph on a fresh migrated database, listening on a free port. */
export async function startTestSubgraph<L>(
  definition: SubgraphDefinition<L> | ((database: TestDatabase) => Promise<SubgraphDefinition<L>>),
  opts: { migrationsFolder: string; seed?: (database: TestDatabase) => Promise<void> },
): Promise<TestSubgraph> {
  const claims = await testClaimsKeys();
  const signer = await createClaimsSigner(claims);
  const name = typeof definition === 'function' ? 'subgraph' : definition.name;
  const database = await createTestDatabase(name, opts.migrationsFolder);
  if (opts.seed) await opts.seed(database);
  const def = typeof definition === 'function' ? await definition(database) : definition;
  const server = await createSubgraphServer(def, {
    database,
    log: createLogger(def.name, 'silent'),
    production: true,
    bodyLimit: 1024 * 1024,
    claims,
  });
  const listening = await server.listen(0, '127.0.0.1');
  const sign = (caller: Caller, query: string, variables: Record<string, unknown> = {}, audience = def.name) =>
    signer.sign({ caller, audience, opHash: operationHash(query, variables), requestId: 'test-request' });
  const post = async (body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse> => {
    const res = await fetch(listening.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: GraphQLResponse['body'];
    try {
      parsed = JSON.parse(text) as GraphQLResponse['body'];
    } catch {
      throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: parsed };
  };
  return {
    database,
    server,
    listening,
    url: listening.url,
    sign,
    post,
    async exec(caller, query, variables = {}) {
      const token = await sign(caller, query, variables);
      return post({ query, variables }, { [CLAIMS_HEADER]: token }) as never;
    },
    async close() {
      await listening.close();
      await server.stop();
      await database.destroy();
    },
  };
}

// ---------------------------------------------------------------- catalog checks

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
