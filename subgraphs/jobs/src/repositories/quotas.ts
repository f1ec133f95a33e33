// Daily enqueue quotas: a limit per plan tier, an optional tenant cap below it, and a usage
// counter per tenant and UTC day that the enqueue transaction increments atomically.
import { sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { rawRows } from './rows.ts';

/** Enqueues per UTC day by plan tier: the one table to change when plans change. */
export const PLAN_DAILY_JOB_LIMITS = {
  free: 100,
  starter: 1_000,
  professional: 10_000,
  enterprise: 100_000,
} as const satisfies Record<string, number>;
export type PlanTier = keyof typeof PLAN_DAILY_JOB_LIMITS;

/** An unknown or missing tier gets the smallest plan, never an unlimited one. */
export function planTierOf(tier: string): PlanTier {
  return Object.hasOwn(PLAN_DAILY_JOB_LIMITS, tier) ? (tier as PlanTier) : 'free';
}
export const planLimitOf = (tier: string): number => PLAN_DAILY_JOB_LIMITS[planTierOf(tier)];

/** A tenant as the jobs subgraph knows it: by its id (the auth subgraph owns the rest). */
export interface TenantKey {
  id: string;
}

export interface QuotaState {
  tenantId: string;
  planTier: PlanTier;
  planLimit: number;
  override: number | null;
  limit: number;
  used: number;
  remaining: number;
  periodStart: Date;
  resetsAt: Date;
}

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
export async function consumeQuota(tx: Tx, tenantId: string, planTier: string): Promise<boolean> {
  const limit = effectiveLimit(tenantId, planLimitOf(planTier));
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

export async function readQuota(tx: Tx, tenantId: string, planTier: string): Promise<QuotaState> {
  const tier = planTierOf(planTier);
  const planLimit = PLAN_DAILY_JOB_LIMITS[tier];
  const [row] = await rawRows(
    tx,
    sql`select coalesce((select used from job_quota_usage
                          where tenant_id = ${tenantId}::uuid and period_start = ${today}), 0)::int as used,
               (select daily_limit from tenant_job_quotas where tenant_id = ${tenantId}::uuid) as override,
               ${today}::text as period_start`,
  );
  const used = Number(row?.used ?? 0);
  const override = row?.override === null || row?.override === undefined ? null : Number(row.override);
  const limit = override === null ? planLimit : Math.min(override, planLimit);
  const periodStart = new Date(`${String(row?.period_start)}T00:00:00.000Z`);
  return {
    tenantId,
    planTier: tier,
    planLimit,
    override,
    limit,
    used,
    // A cap lowered below today's usage leaves nothing, not a negative number.
    remaining: Math.max(0, limit - used),
    periodStart,
    resetsAt: new Date(periodStart.getTime() + 24 * 3600 * 1000),
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
