import { startSubgraph } from '@eventzr/lib/bootstrap';
import { authConfigFromEnv } from './config.ts';
import { seedDevData } from './seed.ts';
import { DEFAULT_PORT, SUBGRAPH_NAME, createAuthSubgraph, migrationsFolder } from './subgraph.ts';

await startSubgraph(SUBGRAPH_NAME, {
  definition: (env, database) => createAuthSubgraph(database, authConfigFromEnv(env)),
  migrationsFolder,
  defaultPort: DEFAULT_PORT,
  seed: seedDevData,
});
