// Starts the jobs subgraph (port 4002 unless PORT is set).
import { startSubgraph } from '@eventzr/lib/bootstrap';
import { seedJobs } from './seed.ts';
import { startLeaseSweeper } from './sweeper.ts';
import { JOBS_DEFAULT_PORT, JOBS_SUBGRAPH_NAME, jobsDefinition, migrationsFolder } from './subgraph.ts';

await startSubgraph(JOBS_SUBGRAPH_NAME, {
  definition: jobsDefinition,
  migrationsFolder,
  defaultPort: JOBS_DEFAULT_PORT,
  seed: seedJobs,
  background: (database, log) => startLeaseSweeper(database, { log }),
});
