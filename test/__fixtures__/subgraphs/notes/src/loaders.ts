// Per-request loaders of the fixture: notes of the caller's tenant by id, one statement per batch.
import type DataLoader from 'dataloader';
import type { BaseContext } from '@eventzr/lib/context';
import { keyedLoader } from '@eventzr/lib/loaders';
import type { NoteRow } from './db/schema.ts';
import { isUuid } from './inputs.ts';
import { notesByIds } from './repositories/notes.ts';

export interface NotesLoaders {
  note: DataLoader<string, NoteRow | null>;
}

export function createLoaders(ctx: BaseContext): NotesLoaders {
  const user = ctx.caller.kind === 'user' ? ctx.caller : null;
  return {
    note: keyedLoader(
      async (ids) => {
        const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
        if (!user || valid.length === 0) return [];
        return ctx.database.run({ tenantId: user.tenantId }, (tx) => notesByIds(tx, valid));
      },
      (n) => n.id,
    ),
  };
}
