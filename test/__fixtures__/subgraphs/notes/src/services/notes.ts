// The fixture's business rules: a note is written in the caller's tenant, by the caller.
import { inTenant, type BaseContext } from '@eventzr/lib/context';
import type { NoteRow } from '../db/schema.ts';
import { countNotes, insertNote } from '../repositories/notes.ts';

export function addNote(ctx: BaseContext, body: string): Promise<NoteRow> {
  return inTenant(ctx, (tx, user) => insertNote(tx, { tenantId: user.tenantId, authorId: user.userId, body }));
}

export function noteCount(ctx: BaseContext): Promise<number> {
  return inTenant(ctx, (tx, user) => countNotes(tx, user.tenantId));
}
