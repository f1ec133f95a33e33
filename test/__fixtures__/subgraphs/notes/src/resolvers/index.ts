// The fixture's resolvers: read the arguments, call the service, return.
import type { Context } from '@eventzr/lib/context';
import type { SubgraphResolvers } from '@eventzr/lib/server';
import type { NotesEnv } from '../config.ts';
import type { NoteRow } from '../db/schema.ts';
import { addNoteInput, parseInput } from '../inputs.ts';
import type { NotesLoaders } from '../loaders.ts';
import { addNote, noteCount } from '../services/notes.ts';

type Ctx = Context<NotesLoaders>;

export function createResolvers(env: NotesEnv): SubgraphResolvers {
  const input = addNoteInput(env.NOTES_MAX_LENGTH);
  return {
    Query: {
      note: (_p: unknown, args: { id: string }, ctx: Ctx) => ctx.loaders.note.load(args.id),
    },
    Mutation: {
      addNote: async (_p: unknown, args: { input: unknown }, ctx: Ctx) => ({
        note: await addNote(ctx, parseInput(input, args.input).body),
      }),
    },
    Note: {
      __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.note.load(ref.id),
      author: (note: NoteRow) => ({ __typename: 'User', id: note.authorId }),
    },
    Tenant: {
      __resolveReference: (ref: { id: string }, ctx: Ctx) =>
        ctx.caller.kind === 'user' && ref.id === ctx.caller.tenantId ? { id: ref.id } : null,
      noteCount: (_t: unknown, _a: unknown, ctx: Ctx) => noteCount(ctx),
    },
  };
}
