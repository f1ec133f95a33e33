// The jobs subgraph: the platform's job queue (seed 001). Its resolvers need nothing built at
// start; the lease sweeper runs beside the server as a background task.
import { defineSubgraph } from '@eventzr/lib/subgraph';
import { env } from './config.ts';
import { createLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';
import { seedJobs } from './seed.ts';
import { startLeaseSweeper } from './services/sweeper.ts';

export const subgraph = defineSubgraph({
  name: 'jobs',
  moduleUrl: import.meta.url,
  env,
  permissions,
  createLoaders,
  build: () => ({ resolvers }),
  seed: ({ database }) => seedJobs(database),
  background: [
    {
      name: 'lease-sweeper',
      start: ({ database, log, env }) =>
        startLeaseSweeper(database, { log, intervalMs: env.LEASE_SWEEP_INTERVAL_SECONDS * 1000 }),
    },
  ],
});
