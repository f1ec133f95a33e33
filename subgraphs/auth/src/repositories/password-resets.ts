// Password resets: the request queue written on the request path, and the identity's reset tokens
// the background sender issues from it (services/resets.ts).
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { identityPasswordResets, passwordResetRequests } from '../db/schema.ts';

export type ResetRequestRow = typeof passwordResetRequests.$inferSelect;

/** The request path's only write: one row, the same for a known and an unknown email. */
export async function enqueueResetRequest(tx: Tx, row: typeof passwordResetRequests.$inferInsert): Promise<void> {
  await tx.insert(passwordResetRequests).values(row);
}

/**
 * Up to `limit` waiting requests, oldest first, locked until the transaction ends; rows another
 * sender holds are skipped, so two auth processes never handle one request at once.
 */
export async function takeResetRequests(tx: Tx, limit: number): Promise<ResetRequestRow[]> {
  return tx
    .select()
    .from(passwordResetRequests)
    .orderBy(asc(passwordResetRequests.requestedAt))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function deleteResetRequests(tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.delete(passwordResetRequests).where(inArray(passwordResetRequests.id, [...ids]));
}

/** Stores a new reset token for an identity and voids any earlier unused one: only the latest works. */
export async function replaceResetToken(
  tx: Tx,
  row: typeof identityPasswordResets.$inferInsert & { createdAt: Date },
): Promise<void> {
  await tx
    .update(identityPasswordResets)
    .set({ usedAt: row.createdAt })
    .where(and(eq(identityPasswordResets.identityId, row.identityId), isNull(identityPasswordResets.usedAt)));
  await tx.insert(identityPasswordResets).values(row);
}

/** Narrows the transaction's login lookup to one email (the sender handles several per transaction). */
export async function lookUpEmail(tx: Tx, email: string): Promise<void> {
  await tx.execute(sql`select set_config('app.login_email', ${email}, true)`);
}
