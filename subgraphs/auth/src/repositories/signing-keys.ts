import { gt, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { signingKeys, type SigningKeyRow } from '../db/schema.ts';

/** Keys still published: the active one and any retired within `graceSeconds` (tokens it signed live on). */
export async function publishedKeys(tx: Tx, graceSeconds: number): Promise<SigningKeyRow[]> {
  return tx
    .select()
    .from(signingKeys)
    .where(
      or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, sql`now() - make_interval(secs => ${graceSeconds})`)),
    )
    .orderBy(signingKeys.createdAt);
}

/**
 * Inserts `row` as the active key unless one exists. Replicas starting together race here; the
 * unique index on active keys lets exactly one insert win and the others do nothing.
 */
export async function insertKeyIfNoneActive(tx: Tx, row: typeof signingKeys.$inferInsert): Promise<void> {
  await tx.insert(signingKeys).values(row).onConflictDoNothing();
}
