// signing_keys: only ever run through the signer role's connection (db/schema.ts SIGNER_ROLE);
// the application role holds no privilege on the table.
import { and, asc, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { signingKeys, type SigningKeyRow } from '../db/schema.ts';

/**
 * Keys still published: the next one (published, not yet signing), the active one, and any
 * retired within `graceSeconds` (tokens it signed live on). Oldest first.
 */
export async function publishedKeys(tx: Tx, graceSeconds: number): Promise<SigningKeyRow[]> {
  return tx
    .select()
    .from(signingKeys)
    .where(
      or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, sql`now() - make_interval(secs => ${graceSeconds})`)),
    )
    .orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
}

/** Every key with its dates, never the private half (the rotation command's status). */
export async function keyDates(tx: Tx) {
  return tx
    .select({
      kid: signingKeys.kid,
      createdAt: signingKeys.createdAt,
      activatedAt: signingKeys.activatedAt,
      retiredAt: signingKeys.retiredAt,
    })
    .from(signingKeys)
    .orderBy(asc(signingKeys.createdAt), asc(signingKeys.kid));
}

/** The database's clock: every key date is compared with it, never with a process's. */
export async function databaseNow(tx: Tx): Promise<Date> {
  const rows = (await tx.execute(sql`select now() as now`)) as unknown as { rows: { now: Date | string }[] };
  return new Date(rows.rows[0]!.now);
}

/**
 * Inserts `row` as the active key unless one exists. Replicas starting together race here; the
 * unique index on active keys lets exactly one insert win and the others do nothing.
 */
export async function insertKeyIfNoneActive(tx: Tx, row: typeof signingKeys.$inferInsert): Promise<void> {
  await tx.insert(signingKeys).values(row).onConflictDoNothing();
}

/**
 * Inserts `row` as the next key (published, not signing) unless one is already waiting (the unique
 * index on waiting keys); returns whether it was inserted.
 */
export async function insertNextKey(tx: Tx, row: typeof signingKeys.$inferInsert): Promise<boolean> {
  const inserted = await tx
    .insert(signingKeys)
    .values({ ...row, activatedAt: null, retiredAt: null })
    .onConflictDoNothing()
    .returning({ kid: signingKeys.kid });
  return inserted.length === 1;
}

/**
 * Makes the waiting key `kid` the active one and retires the one it replaces, in one transaction
 * (the unique index keeps a single active key whatever runs concurrently). Returns the retired
 * key's kid (undefined when none was active), or null when `kid` is not waiting any more.
 */
export async function activateKey(tx: Tx, kid: string): Promise<{ retired: string | undefined } | null> {
  const retired = await tx
    .update(signingKeys)
    .set({ retiredAt: sql`now()` })
    .where(and(isNotNull(signingKeys.activatedAt), isNull(signingKeys.retiredAt)))
    .returning({ kid: signingKeys.kid });
  const activated = await tx
    .update(signingKeys)
    .set({ activatedAt: sql`now()` })
    .where(and(eq(signingKeys.kid, kid), isNull(signingKeys.activatedAt), isNull(signingKeys.retiredAt)))
    .returning({ kid: signingKeys.kid });
  if (activated.length !== 1) return null;
  return { retired: retired[0]?.kid };
}

/** Deletes the keys retired at least `graceSeconds` ago (out of the JWKS already); returns their kids. */
export async function deleteRetiredKeys(tx: Tx, graceSeconds: number): Promise<string[]> {
  const rows = await tx
    .delete(signingKeys)
    .where(lte(signingKeys.retiredAt, sql`now() - make_interval(secs => ${graceSeconds})`))
    .returning({ kid: signingKeys.kid });
  return rows.map((r) => r.kid).sort();
}
