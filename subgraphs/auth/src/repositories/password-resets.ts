import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { passwordResetTokens } from '../db/schema.ts';

/** Stores a new reset token for a user and voids any earlier unused one: only the latest works. */
export async function replaceResetToken(
  tx: Tx,
  row: typeof passwordResetTokens.$inferInsert & { createdAt: Date },
): Promise<void> {
  await tx
    .update(passwordResetTokens)
    .set({ usedAt: row.createdAt })
    .where(
      and(
        eq(passwordResetTokens.tenantId, row.tenantId),
        eq(passwordResetTokens.userId, row.userId),
        isNull(passwordResetTokens.usedAt),
      ),
    );
  await tx.insert(passwordResetTokens).values(row);
}
