// Starts one subgraph process: its configuration (lib's base variables plus its own), the
// database, migrations, the development seed, the shared store (claims replay memory), the HTTP
// server, its background tasks, and a clean shutdown on SIGINT/SIGTERM. The same for every
// subgraph: `npm run subgraph -- <name>` (bin/subgraph.ts).
import type { z } from 'zod';
import { parseConfig, readConfig, subgraphEnvSchema } from './config.ts';
import { openDatabase } from './db.ts';
import { drainOnSignals } from './http.ts';
import { createLogger } from './logger.ts';
import type { RegisteredSubgraph } from './registry.ts';
import { createSubgraphServer } from './server.ts';
import { openSharedStore } from './store.ts';
import { definitionOf, type SubgraphDeps, type SubgraphEnv, type SubgraphModule } from './subgraph.ts';

/** A subgraph's configuration from `env` (default: the process environment, read once). */
export function subgraphConfig<Own extends z.ZodRawShape>(
  module: Pick<SubgraphModule<Own>, 'env'>,
  env?: Record<string, string | undefined>,
): SubgraphEnv<Own> {
  const schema = schemaOf(module);
  return (env ? parseConfig(schema, env) : readConfig(schema)) as SubgraphEnv<Own>;
}

const schemas = new WeakMap<object, z.ZodType>();
function schemaOf(module: Pick<SubgraphModule, 'env'>): z.ZodType {
  let s = schemas.get(module.env);
  if (!s) schemas.set(module.env, (s = subgraphEnvSchema(module.env)));
  return s;
}

export async function startSubgraph(module: SubgraphModule, entry: Pick<RegisteredSubgraph, 'port'>): Promise<void> {
  const { name } = module;
  let env: SubgraphEnv;
  try {
    env = subgraphConfig(module);
  } catch (err) {
    console.error(`[${name}] ${(err as Error).message}`);
    process.exit(1);
  }
  const log = createLogger(name, env.LOG_LEVEL);
  const production = env.NODE_ENV === 'production';
  const database = await openDatabase({
    name,
    migrationsFolder: module.migrationsFolder,
    url: env.DATABASE_URL,
    migratorUrl: env.DATABASE_MIGRATOR_URL,
    dataDir: env.DATA_DIR,
    poolMax: env.DATABASE_POOL_MAX,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    log,
  });
  // The claims replay memory (and later records replicas share): Redis when REDIS_URL is set.
  const store = openSharedStore(env, (err) => log.warn({ err: err.message }, 'shared store connection error'));
  const deps: SubgraphDeps = { env, database, log };
  if (module.seed && !production && env.SEED_DEV_DATA) await module.seed(deps);
  const parts = await module.build(deps);
  const server = await createSubgraphServer(definitionOf(module, parts), {
    database,
    log,
    production,
    bodyLimit: env.BODY_LIMIT,
    claims: env,
    replayStore: store,
  });
  const listening = await server.listen(env.PORT || entry.port, env.HOST);
  log.info({ url: listening.url, database: database.kind, store: store.kind }, `${name} subgraph listening`);
  const stops = env.BACKGROUND_TASKS
    ? module.background.map((task) => {
        const stop = task.start(deps);
        log.info({ task: task.name }, `background task ${task.name} started`);
        return stop;
      })
    : [];

  // Drains (lib/http drainOnSignals), then stops background tasks and closes what it opened.
  drainOnSignals({
    listening,
    graceMs: env.SHUTDOWN_GRACE_MS,
    log,
    release: async () => {
      await server.stop();
      await Promise.all(stops.map((stop) => stop()));
      await parts.close?.();
      await store.close();
      await database.close();
    },
  });
}
