// The notes fixture subgraph, declared like every subgraph; its background task writes a heartbeat
// file under DATA_DIR so a test can see `npm start` ran it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineSubgraph } from '@eventzr/lib/subgraph';
import { env } from './config.ts';
import { createLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { createResolvers } from './resolvers/index.ts';
import { seedNotes } from './seed.ts';

export const HEARTBEAT_FILE = 'notes-heartbeat';

export const subgraph = defineSubgraph({
  name: 'notes',
  moduleUrl: import.meta.url,
  env,
  permissions,
  createLoaders,
  build: ({ env }) => ({ resolvers: createResolvers(env) }),
  seed: ({ database }) => seedNotes(database),
  background: [
    {
      name: 'heartbeat',
      start: ({ env }) => {
        const beat = () => writeFileSync(join(env.DATA_DIR, HEARTBEAT_FILE), new Date().toISOString());
        beat();
        const timer = setInterval(beat, 200);
        timer.unref();
        return () => clearInterval(timer);
      },
    },
  ],
});
