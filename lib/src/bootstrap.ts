// Starts one subgraph process: config, database, migrations, optional seed, HTTP server, and a
// clean shutdown on SIGINT/SIGTERM. Each subgraph's main.ts is one call to this.
import { readConfig, subgraphEnvSchema, type SubgraphEnv } from './config.ts';
import { openDatabase, type Database } from './db.ts';
import { createLogger, type Logger } from './logger.ts';
import { createSubgraphServer, type SubgraphDefinition } from './server.ts';

export interface SubgraphMain<L> {
  definition: SubgraphDefinition<L> | ((env: SubgraphEnv, database: Database) => Promise<SubgraphDefinition<L>>);
  migrationsFolder: string;
  defaultPort: number;
  /** Development seed (skipped when NODE_ENV=production or SEED_DEV_DATA=false). */
  seed?(database: Database): Promise<void>;
  /**
   * Work the process runs besides serving (e.g. a periodic sweep), started once the server
   * listens. Returns its stop function, awaited on shutdown before the database closes.
   */
  background?(database: Database, log: Logger): () => Promise<void> | void;
}

export async function startSubgraph<L>(name: string, main: SubgraphMain<L>): Promise<void> {
  let env: SubgraphEnv;
  try {
    env = readConfig(subgraphEnvSchema);
  } catch (err) {
    console.error(`[${name}] ${(err as Error).message}`);
    process.exit(1);
  }
  const log = createLogger(name, env.LOG_LEVEL);
  const production = env.NODE_ENV === 'production';
  const database = await openDatabase({
    name,
    migrationsFolder: main.migrationsFolder,
    url: env.DATABASE_URL,
    migratorUrl: env.DATABASE_MIGRATOR_URL,
    dataDir: env.DATA_DIR,
    poolMax: env.DATABASE_POOL_MAX,
  });
  if (main.seed && !production && env.SEED_DEV_DATA) await main.seed(database);
  const definition = typeof main.definition === 'function' ? await main.definition(env, database) : main.definition;
  const server = await createSubgraphServer(definition, {
    database,
    log,
    production,
    bodyLimit: env.BODY_LIMIT,
    claims: env,
  });
  const listening = await server.listen(env.PORT || main.defaultPort, env.HOST);
  log.info({ url: listening.url, database: database.kind }, `${name} subgraph listening`);
  const stopBackground = main.background?.(database, log);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await listening.close();
    await server.stop();
    await stopBackground?.();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
