// SQL of the fixture, run in the caller's tenant scope (RLS confines every statement).
import { count, eq, inArray } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { notes, type NoteRow } from '../db/schema.ts';

export async function insertNote(tx: Tx, row: typeof notes.$inferInsert): Promise<NoteRow> {
  const [created] = await tx.insert(notes).values(row).returning();
  if (!created) throw new Error('note insert returned no row');
  return created;
}

export function notesByIds(tx: Tx, ids: readonly string[]): Promise<NoteRow[]> {
  return tx
    .select()
    .from(notes)
    .where(inArray(notes.id, [...ids]));
}

export async function countNotes(tx: Tx, tenantId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(notes).where(eq(notes.tenantId, tenantId));
  return row?.n ?? 0;
}
