// The fixture's resolver mappers (root codegen.ts reads this for every registered subgraph).
import type { SubgraphCodegen } from '../../../../codegen.ts';

export default {
  contextType: '@eventzr/lib/context#Context<unknown>',
  mappers: { Note: '../db/schema.ts#NoteRow' },
} satisfies SubgraphCodegen;
