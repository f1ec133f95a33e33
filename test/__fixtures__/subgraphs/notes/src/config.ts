// The fixture's own environment variable, added to lib's subgraph base.
import { positiveInt } from '@eventzr/lib/config';
import type { SubgraphEnv } from '@eventzr/lib/subgraph';

export const env = {
  NOTES_MAX_LENGTH: positiveInt(280).describe('longest note the notes fixture subgraph accepts, in characters'),
};

export type NotesEnv = SubgraphEnv<typeof env>;
