// The jobs subgraph's own environment variables (added to lib's subgraph base, see lib/config.ts).
import { positiveInt } from '@eventzr/lib/config';
import type { SubgraphEnv } from '@eventzr/lib/subgraph';

// Each variable's description is what .env.example says about it (npm run deploy:generate).
export const env = {
  LEASE_SWEEP_INTERVAL_SECONDS: positiveInt(15).describe(
    'how often the lease sweeper returns expired leases to the queue (a background task), in seconds',
  ),
};

export type JobsEnv = SubgraphEnv<typeof env>;
