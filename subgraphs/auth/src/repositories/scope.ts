// Narrowing a pre-tenant transaction to one tenant (see drizzle/0001_rls.sql): after a lookup
// policy found the row a caller presented, every write runs under that row's tenant.
import { sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';

export async function enterTenant(tx: Tx, tenantId: string): Promise<void> {
  await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
}
