import { inArray } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { tenants, type TenantRow } from '../db/schema.ts';

export async function insertTenant(tx: Tx, row: typeof tenants.$inferInsert): Promise<TenantRow> {
  const [created] = await tx.insert(tenants).values(row).returning();
  if (!created) throw new Error('tenant insert returned no row');
  return created;
}

/** Idempotent (dev seed): an existing tenant is left as it is. */
export async function ensureTenant(tx: Tx, row: typeof tenants.$inferInsert): Promise<void> {
  await tx.insert(tenants).values(row).onConflictDoNothing({ target: tenants.id });
}

/** The tenants among `ids` the transaction's scope may see (RLS: its own). */
export async function tenantsByIds(tx: Tx, ids: readonly string[]): Promise<TenantRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(tenants)
    .where(inArray(tenants.id, [...ids]));
}
