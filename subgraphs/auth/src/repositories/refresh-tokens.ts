import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { refreshTokens, type RefreshTokenRow } from '../db/schema.ts';

export async function insertRefreshToken(tx: Tx, row: typeof refreshTokens.$inferInsert): Promise<void> {
  await tx.insert(refreshTokens).values(row);
}

/**
 * The token with this hash. Before a tenant is known the transaction carries
 * app.refresh_token_hash = `tokenHash` (the lookup policy); in tenant scope only that tenant's.
 */
export async function refreshTokenByHash(tx: Tx, tokenHash: string): Promise<RefreshTokenRow | null> {
  const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  return row ?? null;
}

/**
 * Marks a live token rotated. Conditional, so of two concurrent refreshes with the same token
 * exactly one wins; the loser sees false and is treated as a reuse.
 */
export async function markRotated(tx: Tx, id: string, at: Date): Promise<boolean> {
  const rows = await tx
    .update(refreshTokens)
    .set({ rotatedAt: at })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.rotatedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length === 1;
}

/**
 * Serializes, until the transaction ends, everything that rotates or revokes tokens of one family.
 * Under READ COMMITTED a revoking UPDATE only sees the rows committed when it started: a rotation
 * that has locked the old token but not yet committed the new one would leave the new one alive.
 * Callers re-read the presented token after taking the lock, so their decision sees the other's
 * outcome. Works the same on PGlite, which serializes transactions anyway.
 */
export async function lockFamily(tx: Tx, familyId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${familyId}::text, 0))`);
}

/** Revokes every still-live token of a family (in the transaction's tenant); returns how many. */
export async function revokeFamily(tx: Tx, familyId: string, at: Date): Promise<number> {
  const rows = await tx
    .update(refreshTokens)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length;
}
