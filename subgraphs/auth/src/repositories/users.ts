import { eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { tenants, users, type TenantRow, type UserRow } from '../db/schema.ts';

export interface Account {
  user: UserRow;
  tenant: TenantRow;
}

/** A user row, sometimes with its tenant already at hand (registration): a User resolver's parent. */
export type UserWithTenant = UserRow & { tenant?: TenantRow };

/**
 * Every account holding `email` (already lowercased) with its tenant. Runs before a tenant is
 * known: the transaction must carry app.login_email = `email`, the only rows RLS then admits.
 */
export async function accountsByEmail(tx: Tx, email: string): Promise<Account[]> {
  return tx
    .select({ user: users, tenant: tenants })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(eq(sql`lower(${users.email})`, email))
    .orderBy(tenants.createdAt, tenants.id);
}

export async function accountById(tx: Tx, userId: string): Promise<Account | null> {
  const [row] = await tx
    .select({ user: users, tenant: tenants })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(eq(users.id, userId));
  return row ?? null;
}

export async function insertUser(tx: Tx, row: typeof users.$inferInsert): Promise<UserRow> {
  const [created] = await tx.insert(users).values(row).returning();
  if (!created) throw new Error('user insert returned no row');
  return created;
}

/** Idempotent (dev seed): an existing id or (tenant, email) is left as it is. */
export async function ensureUser(tx: Tx, row: typeof users.$inferInsert): Promise<void> {
  await tx.insert(users).values(row).onConflictDoNothing();
}

/** The users among `ids` the transaction's scope may see (RLS: its tenant's). */
export async function usersByIds(tx: Tx, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}
