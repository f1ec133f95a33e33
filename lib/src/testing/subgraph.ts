// A subgraph under test: its module started the way lib's bootstrap starts it (configuration from
// its env schema, a fresh migrated database, the seed when asked, the server factory), listening
// on a free port, with a client that signs claims tokens the way the router does.
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import type { z } from 'zod';
import { subgraphConfig } from '../bootstrap.ts';
import { createClaimsSigner, operationHash, CLAIMS_HEADER, type Caller, type ClaimsKeyConfig } from '../claims.ts';
import type { Listening } from '../http.ts';
import { createLogger } from '../logger.ts';
import { createSubgraphServer, type SubgraphDefinition, type SubgraphServer } from '../server.ts';
import {
  definitionOf,
  type SubgraphDeps,
  type SubgraphEnv,
  type SubgraphModule,
  type SubgraphParts,
} from '../subgraph.ts';
import { memoryStore, openSharedStore, type SharedStore } from '../store.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { postJson } from './http.ts';

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

export interface TestServer {
  database: TestDatabase;
  /** The claims replay memory: Redis when the env sets REDIS_URL (startTestSubgraph), else memory. */
  store: SharedStore;
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

/** A registered subgraph under test, with the configuration and parts it was built from. */
export interface TestSubgraph<
  Own extends z.ZodRawShape = z.ZodRawShape,
  P extends SubgraphParts = SubgraphParts,
> extends TestServer {
  env: SubgraphEnv<Own>;
  parts: P;
  deps: SubgraphDeps<Own>;
}

export interface StartTestSubgraphOptions {
  /** Environment variables as a deployment would set them (NODE_ENV defaults to test). */
  env?: Record<string, string | undefined>;
  /** Run the module's development seed first. */
  seed?: boolean;
  /**
   * Serve on this database instead of a fresh one, e.g. a second replica of the same subgraph
   * (what two processes of one deployment share). `close` then leaves it to its creator.
   */
  database?: TestDatabase;
}

/** Starts a subgraph module on a fresh database, as lib's bootstrap would, on a free port. */
export async function startTestSubgraph<Own extends z.ZodRawShape, L, P extends SubgraphParts>(
  module: SubgraphModule<Own, L, P>,
  opts: StartTestSubgraphOptions = {},
): Promise<TestSubgraph<Own, P>> {
  const claims = await testClaimsKeys();
  const database = opts.database ?? (await createTestDatabase(module.name, module.migrationsFolder));
  const destroy = opts.database ? async () => undefined : () => database.destroy();
  let parts: P | undefined;
  try {
    const env = subgraphConfig(module, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ROUTER_CLAIMS_PUBLIC_KEY: claims.ROUTER_CLAIMS_PUBLIC_KEY,
      // The signer role's login on this database (Postgres), for the subgraph that reads it (auth).
      ...(database.signerUrl ? { DATABASE_SIGNER_URL: database.signerUrl } : {}),
      ...opts.env,
    });
    const deps: SubgraphDeps<Own> = { env, database, log: createLogger(module.name, 'silent') };
    if (opts.seed && module.seed) await module.seed(deps);
    parts = await module.build(deps);
    const built = parts;
    const server = await serve(definitionOf(module, parts), database, openSharedStore(env), async () => {
      await built.close?.();
      await destroy();
    });
    return { ...server, env, parts, deps };
  } catch (err) {
    await parts?.close?.();
    await destroy();
    throw err;
  }
}

/**
 * A subgraph definition that is not a registered module (lib's own tests, router fixtures) on a
 * fresh database migrated from `migrationsFolder`.
 */
export async function startTestServer<L>(
  definition: SubgraphDefinition<L>,
  opts: {
    migrationsFolder: string;
    /** The claims replay memory (closed with the server); default: a memory store. */
    store?: SharedStore;
  },
): Promise<TestServer> {
  const database = await createTestDatabase(definition.name, opts.migrationsFolder);
  try {
    return await serve(definition, database, opts.store ?? memoryStore(), () => database.destroy());
  } catch (err) {
    await database.destroy();
    throw err;
  }
}

/**
 * Serves `def`; owns `store` from here on (closed by close(), or now if the server fails to start).
 * `release` frees what the caller set up (the database, the subgraph's own parts) after the server stops.
 */
async function serve<L>(
  def: SubgraphDefinition<L>,
  database: TestDatabase,
  store: SharedStore,
  release: () => Promise<void>,
): Promise<TestServer> {
  let server: SubgraphServer;
  let listening: Listening;
  let signer: Awaited<ReturnType<typeof createClaimsSigner>>;
  try {
    const claims = await testClaimsKeys();
    signer = await createClaimsSigner(claims);
    server = await createSubgraphServer(def, {
      database,
      log: createLogger(def.name, 'silent'),
      production: true,
      bodyLimit: 1024 * 1024,
      claims,
      replayStore: store,
    });
    listening = await server.listen(0, '127.0.0.1');
  } catch (err) {
    await store.close();
    throw err;
  }
  const sign = (caller: Caller, query: string, variables: Record<string, unknown> = {}, audience = def.name) =>
    signer.sign({ caller, audience, opHash: operationHash(query, variables), requestId: 'test-request' });
  const post = async (body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse> => {
    const res = await postJson<GraphQLResponse['body']>(listening.url, body, headers);
    return { status: res.status, body: res.body };
  };
  return {
    database,
    store,
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
      await store.close();
      await release();
    },
  };
}
