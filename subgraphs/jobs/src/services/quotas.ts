// Daily enqueue quotas: a limit per plan tier, an optional lower cap a tenant's administrator
// sets, and today's usage, counted atomically by the enqueue's own transaction.
import type { Tx } from '@eventzr/lib/db';
import type { BaseContext } from '@eventzr/lib/context';
import { inTenant, requireUser } from '@eventzr/lib/context';
import type { UserCaller } from '@eventzr/lib/claims';
import { badUserInput, quotaExceeded } from '@eventzr/lib/errors';
import { consumeQuota, quotaUsage, setQuotaOverride } from '../repositories/quotas.ts';

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

/** The tenant's quota as of now, in the transaction's tenant scope. */
export async function readQuota(tx: Tx, tenantId: string, planTier: string): Promise<QuotaState> {
  const tier = planTierOf(planTier);
  const planLimit = PLAN_DAILY_JOB_LIMITS[tier];
  const { used, override, periodStart } = await quotaUsage(tx, tenantId);
  const limit = override === null ? planLimit : Math.min(override, planLimit);
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

/** Counts one enqueue against today's quota in `tx`, or refuses with QUOTA_EXCEEDED. */
export async function chargeEnqueue(tx: Tx, user: UserCaller): Promise<void> {
  if (await consumeQuota(tx, user.tenantId, planLimitOf(user.planTier))) return;
  const q = await readQuota(tx, user.tenantId, user.planTier);
  throw quotaExceeded(`The daily job quota of ${q.limit} is used up; it resets at ${q.resetsAt.toISOString()}`, {
    limit: q.limit,
    used: q.used,
    resetsAt: q.resetsAt.toISOString(),
  });
}

/**
 * Sets (or, with null, removes) the tenant's own cap: 0 up to the plan's limit. Raising a limit
 * above the plan is a billing change (the plan tier, owned by auth), not something a tenant
 * grants itself.
 */
export async function setTenantJobQuota(ctx: BaseContext, dailyLimit: number | null): Promise<QuotaState> {
  const user = requireUser(ctx);
  const planLimit = planLimitOf(user.planTier);
  if (dailyLimit !== null && dailyLimit > planLimit)
    throw badUserInput(`\`dailyLimit\` must be at most the plan's limit of ${planLimit}`, {
      field: 'dailyLimit',
      max: planLimit,
    });
  const quota = await inTenant(ctx, async (tx) => {
    await setQuotaOverride(tx, user.tenantId, dailyLimit, user.userId);
    return readQuota(tx, user.tenantId, user.planTier);
  });
  ctx.log.info({ tenantId: user.tenantId, userId: user.userId, dailyLimit }, 'tenant job quota changed');
  return quota;
}
