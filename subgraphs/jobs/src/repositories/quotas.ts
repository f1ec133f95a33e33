// Daily enqueue quotas in SQL: a usage counter per tenant and UTC day that the enqueue transaction
// increments atomically, and the tenant's own cap (the plan limits are the service's, services/quotas.ts).
import { sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { rawRows } from './rows.ts';

const today = sql`(now() at time zone 'utc')::date`;
/** The effective limit: the plan's, or the tenant's own cap when lower. */
const effectiveLimit = (tenantId: string, planLimit: number) =>
  sql`least(${planLimit}::int, coalesce((select daily_limit from tenant_job_quotas where tenant_id = ${tenantId}::uuid), ${planLimit}::int))`;

/**
 * Counts one enqueue against today's quota, or returns false when none is left. One statement:
 * the upsert locks the tenant's counter row and re-checks `used < limit` on its latest version,
 * so concurrent enqueues can never pass the limit together; the caller's transaction also
 * inserts the job, so a failed insert gives the unit back.
 */
export async function consumeQuota(tx: Tx, tenantId: string, planLimit: number): Promise<boolean> {
  const limit = effectiveLimit(tenantId, planLimit);
  const rows = await rawRows(
    tx,
    sql`insert into job_quota_usage (tenant_id, period_start, used)
        (select ${tenantId}::uuid, ${today}, 1 where ${limit} > 0)
        on conflict (tenant_id, period_start) do update
          set used = job_quota_usage.used + 1
          where job_quota_usage.used < ${limit}
        returning used`,
  );
  return rows.length === 1;
}

/** Today's usage, the tenant's own cap (null: none) and the day it counts for. */
export async function quotaUsage(
  tx: Tx,
  tenantId: string,
): Promise<{ used: number; override: number | null; periodStart: Date }> {
  const [row] = await rawRows(
    tx,
    sql`select coalesce((select used from job_quota_usage
                          where tenant_id = ${tenantId}::uuid and period_start = ${today}), 0)::int as used,
               (select daily_limit from tenant_job_quotas where tenant_id = ${tenantId}::uuid) as override,
               ${today}::text as period_start`,
  );
  return {
    used: Number(row?.used ?? 0),
    override: row?.override === null || row?.override === undefined ? null : Number(row.override),
    periodStart: new Date(`${String(row?.period_start)}T00:00:00.000Z`),
  };
}

/** Sets (or, with null, removes) the tenant's own cap. */
export async function setQuotaOverride(
  tx: Tx,
  tenantId: string,
  dailyLimit: number | null,
  actor: string,
): Promise<void> {
  if (dailyLimit === null) {
    await tx.execute(sql`delete from tenant_job_quotas where tenant_id = ${tenantId}::uuid`);
    return;
  }
  await tx.execute(
    sql`insert into tenant_job_quotas (tenant_id, daily_limit, updated_by)
        values (${tenantId}::uuid, ${dailyLimit}::int, ${actor})
        on conflict (tenant_id) do update
          set daily_limit = excluded.daily_limit, updated_by = excluded.updated_by, updated_at = now()`,
  );
}
