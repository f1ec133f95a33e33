import { eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import type { Role } from '@eventzr/lib/permissions';
import { tenants, users, type TenantRow, type UserRow } from '../db/schema.ts';

/** A membership (a `users` row: an identity's account in one tenant) with its tenant. */
export interface Account {
  user: UserRow;
  tenant: TenantRow;
}

/** A user row, sometimes with its tenant already at hand (registration): a User resolver's parent. */
export type UserWithTenant = UserRow & { tenant?: TenantRow };

export async function accountById(tx: Tx, userId: string): Promise<Account | null> {
  const [row] = await tx
    .select({ user: users, tenant: tenants })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(eq(users.id, userId));
  return row ?? null;
}

/**
 * Inserts a membership when `when` is true, and otherwise runs the same statement inserting
 * nothing: registration under a taken email then runs exactly the statements a registration
 * does (services/sessions.ts). Returns the row made, or null.
 */
export async function insertUserIf(tx: Tx, when: boolean, row: UserRow): Promise<UserRow | null> {
  const roles = sql`array[${sql.join(
    row.roles.map((r) => sql`${r}`),
    sql`, `,
  )}]::text[]`;
  const result = (await tx.execute(sql`
    insert into ${users} (id, tenant_id, identity_id, email, name, roles, created_at, updated_at)
    select ${row.id}::uuid, ${row.tenantId}::uuid, ${row.identityId}::uuid, ${row.email}, ${row.name}, ${roles},
           ${row.createdAt.toISOString()}::timestamptz, ${row.updatedAt.toISOString()}::timestamptz
     where ${when}::boolean
    returning id`)) as unknown as { rows: unknown[] };
  return result.rows.length === 1 ? row : null;
}

/** Idempotent (dev seed, external first use): an existing id or (tenant, identity) is left as it is. */
export async function ensureUser(tx: Tx, row: typeof users.$inferInsert): Promise<void> {
  await tx.insert(users).values(row).onConflictDoNothing();
}

/** The membership of `identityId` in the transaction's tenant (RLS: its scope), if any. */
export async function membershipOf(tx: Tx, identityId: string): Promise<UserRow | null> {
  const [row] = await tx.select().from(users).where(eq(users.identityId, identityId));
  return row ?? null;
}

/** Replaces a membership's roles (an external issuer's user: their issuer's latest word). */
export async function setRoles(tx: Tx, userId: string, roles: readonly Role[]): Promise<void> {
  await tx
    .update(users)
    .set({ roles: [...roles] })
    .where(eq(users.id, userId));
}

/** The users among `ids` the transaction's scope may see (RLS: its tenant's). */
export async function usersByIds(tx: Tx, ids: readonly string[]): Promise<UserRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]));
}
