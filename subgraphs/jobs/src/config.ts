// The jobs subgraph's own environment variables (added to lib's subgraph base, see lib/config.ts).
import { positiveInt } from '@eventzr/lib/config';
import type { SubgraphEnv } from '@eventzr/lib/subgraph';

export const env = {
  /** How often the lease sweeper returns expired leases to the queue (background task). */
  LEASE_SWEEP_INTERVAL_SECONDS: positiveInt(15),
};

export type JobsEnv = SubgraphEnv<typeof env>;
