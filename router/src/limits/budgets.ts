// Cost budgets: what each operation costs (cost.ts) is refused over OPERATION_MAX_COST, then
// taken from the caller's budgets per window, by plan tier (GitHub's points per hour, Shopify's
// cost-based throttle), and reported in the response's `extensions.cost`.
//
// Budgets (points per window of COST_BUDGETS.windowSeconds, 60 s by default):
//   - a user: from their tenant's budget AND their own, both by the token's planTier (an unknown
//     tier gets `free`'s). All or nothing: the tenant's points are given back when the user's
//     budget refuses, and a refused budget keeps nothing of the refused request;
//   - an anonymous caller: one budget per client address (RouterContext.clientAddress);
//   - an internal caller: unlimited by default (the platform's own workers, limited by the request
//     rate limits), or one budget per credential when COST_BUDGETS sets `internal`.
// An exhausted budget answers 429 RATE_LIMITED (retryAfter, limit, window, policy: which budget)
// before anything is planned or any subgraph called. The counters are the shared limiters
// (limiter.ts): in Redis with REDIS_URL (exact across router replicas), else in this process.
//
// `extensions.cost` in every GraphQL response the router executes:
//   { requestedQueryCost, maximumAvailable (OPERATION_MAX_COST),
//     throttleStatus: { tenant, user } | { client } | { internal } | null (unlimited),
//       each { maximumAvailable (points per window), currentlyAvailable (left after this request),
//              resetSeconds (until the window starts again), windowSeconds } }
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Caller } from '@eventzr/lib/claims';
import { optionalString } from '@eventzr/lib/config';
import type { Logger } from '@eventzr/lib/logger';
import type { ResponseMeta, RouterContext } from '../context.ts';
import { createCostCalculator, CostRuleError, costModelOf, type CostCalculator } from './cost.ts';
import { refundEarlierStages, sendRateLimited, sentVariables } from './http.ts';
import type { Limiter, Limiters, LimitVerdict } from './limiter.ts';

/** One plan tier's budgets: points per window for the whole tenant, and for each of its users. */
export interface TierBudget {
  tenant: number;
  user: number;
}

export interface CostBudgets {
  /** The window every budget counts in, in seconds. */
  windowSeconds: number;
  /** By plan tier (the token's planTier, lower case); a tier not listed gets `free`'s. */
  tiers: Readonly<Record<string, TierBudget>>;
  /** Per anonymous client address. */
  anonymous: number;
  /** Per internal credential; null: unlimited. */
  internal: number | null;
}

/** The tier a planTier the budgets do not list is given. */
export const FALLBACK_TIER = 'free';

/**
 * The default budgets (README "Operation cost and cost budgets"). The web app's operations cost
 * 1-307 points (`Jobs` at first: 100 is the costliest, `Me` costs 2); a free tenant's users share
 * 2,000 points a minute.
 */
export const DEFAULT_COST_BUDGETS: CostBudgets = Object.freeze({
  windowSeconds: 60,
  tiers: Object.freeze({
    free: Object.freeze({ tenant: 2_000, user: 1_000 }),
    starter: Object.freeze({ tenant: 10_000, user: 5_000 }),
    professional: Object.freeze({ tenant: 50_000, user: 10_000 }),
    enterprise: Object.freeze({ tenant: 200_000, user: 50_000 }),
  }),
  anonymous: 1_000,
  internal: null,
});

const points = z.number().int().positive().max(1_000_000_000);
const budgetsOverride = z.strictObject({
  windowSeconds: z.number().int().positive().max(86_400).optional(),
  tiers: z
    .record(
      z.string().regex(/^[a-z0-9_-]{1,32}$/, 'a tier is lower-case letters, digits, _ or -'),
      z.strictObject({ tenant: points.optional(), user: points.optional() }),
    )
    .optional(),
  anonymous: points.optional(),
  internal: points.nullable().optional(),
});

/** Merges an override (COST_BUDGETS) onto the defaults; a new tier must give both budgets. */
export function mergeCostBudgets(
  override: z.infer<typeof budgetsOverride>,
  base: CostBudgets = DEFAULT_COST_BUDGETS,
): CostBudgets | string {
  const tiers: Record<string, TierBudget> = { ...base.tiers };
  for (const [tier, b] of Object.entries(override.tiers ?? {})) {
    const tenant = b.tenant ?? base.tiers[tier]?.tenant;
    const user = b.user ?? base.tiers[tier]?.user;
    if (tenant === undefined || user === undefined)
      return `tier "${tier}" is new: give both its tenant and user budgets`;
    tiers[tier] = { tenant, user };
  }
  return {
    windowSeconds: override.windowSeconds ?? base.windowSeconds,
    tiers,
    anonymous: override.anonymous ?? base.anonymous,
    internal: override.internal === undefined ? base.internal : override.internal,
  };
}

/** COST_BUDGETS: JSON merged onto DEFAULT_COST_BUDGETS, validated. */
export const costBudgetsSetting = optionalString
  .transform((v, ctx): CostBudgets => {
    if (v === undefined) return DEFAULT_COST_BUDGETS;
    let json: unknown;
    try {
      json = JSON.parse(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"tiers":{"starter":{"tenant":20000}}}' });
      return z.NEVER;
    }
    const parsed = budgetsOverride.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
      return z.NEVER;
    }
    const merged = mergeCostBudgets(parsed.data);
    if (typeof merged === 'string') {
      ctx.addIssue({ code: 'custom', message: merged });
      return z.NEVER;
    }
    return merged;
  })
  .describe(
    'cost budgets per window, as JSON merged onto the defaults: {"windowSeconds":60,"tiers":{"free":{"tenant":2000,"user":1000},"starter":{"tenant":10000,"user":5000},"professional":{"tenant":50000,"user":10000},"enterprise":{"tenant":200000,"user":50000}},"anonymous":1000,"internal":null} (anonymous: per client address; internal: per credential, null = unlimited)',
  );

/** Every budget must hold at least one operation of the maximum cost (else it could never pass). */
export function smallestBudget(b: CostBudgets): { where: string; points: number } {
  const all: { where: string; points: number }[] = [
    { where: 'anonymous', points: b.anonymous },
    ...(b.internal === null ? [] : [{ where: 'internal', points: b.internal }]),
    ...Object.entries(b.tiers).flatMap(([tier, t]) => [
      { where: `tiers.${tier}.tenant`, points: t.tenant },
      { where: `tiers.${tier}.user`, points: t.user },
    ]),
  ];
  return all.reduce((min, x) => (x.points < min.points ? x : min));
}

export interface CostSettings {
  OPERATION_MAX_COST: number;
  COST_DEFAULT_LIST_SIZE: number;
  COST_BUDGETS: CostBudgets;
}

/** One budget's state, as `extensions.cost.throttleStatus` shows it. */
export interface BudgetStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  resetSeconds: number;
  windowSeconds: number;
}

export interface CostReport {
  requestedQueryCost: number;
  maximumAvailable: number;
  throttleStatus: Record<string, BudgetStatus> | null;
}

export interface CostControl {
  calculator: CostCalculator;
  /** Express middleware after the gate: refuses over the maximum or the budgets, else charges. */
  middleware: RequestHandler;
  /** Apollo plugin: `extensions.cost` on every response. */
  plugin: ApolloServerPlugin<RouterContext>;
}

interface Bucket {
  /** `tenant`, `user`, `client` or `internal`: the key in throttleStatus, and the word in messages. */
  name: string;
  limiter: Limiter;
  key: string;
  /** How the refusal names it, e.g. "tenant's (plan starter)". */
  label: string;
}

const statusOf = (v: LimitVerdict): BudgetStatus => ({
  maximumAvailable: v.limit,
  currentlyAvailable: v.remaining,
  resetSeconds: Math.ceil(v.resetMs / 1000),
  windowSeconds: v.policy.windowSeconds,
});

export function createCostControl(opts: {
  supergraphSdl: string;
  settings: CostSettings;
  limiters: Limiters;
  log: Logger;
}): CostControl {
  const { settings, limiters, log } = opts;
  const budgets = settings.COST_BUDGETS;
  const max = settings.OPERATION_MAX_COST;
  const calculator = createCostCalculator(
    costModelOf(opts.supergraphSdl, { defaultListSize: settings.COST_DEFAULT_LIST_SIZE }),
  );
  const policy = (name: string, points: number) =>
    limiters.limiter({ name: `cost.${name}`, points, windowSeconds: budgets.windowSeconds });

  const bucketsOf = (caller: Caller, clientAddress: string): Bucket[] => {
    switch (caller.kind) {
      case 'user': {
        const asked = caller.planTier.toLowerCase();
        const tier = Object.hasOwn(budgets.tiers, asked) ? asked : FALLBACK_TIER;
        const b = budgets.tiers[tier] ?? DEFAULT_COST_BUDGETS.tiers[FALLBACK_TIER]!;
        return [
          {
            name: 'tenant',
            limiter: policy(`tenant.${tier}`, b.tenant),
            key: caller.tenantId,
            label: `tenant's (plan ${tier})`,
          },
          {
            name: 'user',
            limiter: policy(`user.${tier}`, b.user),
            key: `${caller.tenantId}:${caller.userId}`,
            label: `user's (plan ${tier})`,
          },
        ];
      }
      case 'anonymous':
        return [
          {
            name: 'client',
            limiter: policy('anonymous', budgets.anonymous),
            key: clientAddress,
            label: "client address's",
          },
        ];
      case 'internal':
        return budgets.internal === null
          ? []
          : [
              {
                name: 'internal',
                limiter: policy('internal', budgets.internal),
                key: caller.credentialId,
                label: "internal caller's",
              },
            ];
    }
  };

  /**
   * Takes `cost` from every bucket, or from none: the first refusing bucket's verdict otherwise.
   * The buckets are asked at once (one round trip of Redis); a refused consume still counted its
   * points, so on a refusal every bucket gets its points back.
   */
  const charge = async (
    buckets: Bucket[],
    cost: number,
  ): Promise<{ ok: true; verdicts: LimitVerdict[] } | { ok: false; bucket: Bucket; verdict: LimitVerdict }> => {
    if (cost === 0) return { ok: true, verdicts: await Promise.all(buckets.map((b) => b.limiter.peek(b.key))) };
    const verdicts = await Promise.all(buckets.map((b) => b.limiter.consume(b.key, cost)));
    const refused = verdicts.findIndex((v) => !v.allowed);
    if (refused === -1) return { ok: true, verdicts };
    await Promise.all(buckets.map((b) => b.limiter.refund(b.key, cost)));
    return { ok: false, bucket: buckets[refused]!, verdict: verdicts[refused]! };
  };

  const sendOverMaximum = (res: Response, requested: number) => {
    const meta = res.locals.meta as ResponseMeta | undefined;
    const requestedQueryCost = Number.isFinite(requested) ? requested : null;
    const errors = [
      {
        message: `The operation costs ${requestedQueryCost ?? 'more than can be computed'}, more than the ${max} an operation may cost: ask for fewer items (first/last) or fewer fields`,
        extensions: {
          code: 'COST_LIMIT_EXCEEDED',
          cost: { requested: requestedQueryCost, maximum: max },
          ...(meta ? { requestId: meta.request_id } : {}),
        },
      },
    ];
    res
      .status(400)
      .type('application/json')
      .send(
        JSON.stringify({
          errors,
          extensions: { meta, cost: { requestedQueryCost, maximumAvailable: max, throttleStatus: null } },
        }),
      );
  };

  const middleware: RequestHandler = (req, res, next) => {
    const context = res.locals.context as RouterContext;
    const operation = context.operation;
    if (!operation) return next(); // the Sandbox page: no operation
    // Refused here: what earlier stages took for this request goes back first, then the answer.
    const refuse = (send: () => void) => void refundEarlierStages(context, log).then(send);
    let cost: number;
    try {
      cost = calculator.cost(operation.document, operation.definition, sentVariables(req));
    } catch (err) {
      if (!(err instanceof CostRuleError)) return next(err);
      const meta = res.locals.meta as ResponseMeta | undefined;
      const errors = [
        {
          message: err.message,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...(meta ? { requestId: meta.request_id } : {}) },
        },
      ];
      return refuse(() =>
        res
          .status(400)
          .type('application/json')
          .send(JSON.stringify({ errors, extensions: { meta } })),
      );
    }
    if (cost > max) {
      log.info({ requestId: context.requestId, cost, max }, 'operation refused: over the maximum cost');
      return refuse(() => sendOverMaximum(res, cost));
    }
    const buckets = bucketsOf(context.caller, context.clientAddress);
    charge(buckets, cost).then(
      (charged) => {
        if (!charged.ok) {
          const { bucket, verdict } = charged;
          log.info(
            { requestId: context.requestId, cost, budget: verdict.policy.name, retryAfter: verdict.retryAfterSeconds },
            'operation refused: cost budget exhausted',
          );
          return refuse(() =>
            sendRateLimited(
              res,
              verdict,
              `The ${bucket.label} cost budget of ${verdict.limit} points per ${verdict.policy.windowSeconds} s cannot pay for this operation (cost ${cost}). Try again in ${verdict.retryAfterSeconds} seconds.`,
            ),
          );
        }
        context.cost = {
          requestedQueryCost: cost,
          maximumAvailable: max,
          throttleStatus:
            buckets.length === 0
              ? null
              : Object.fromEntries(buckets.map((b, i) => [b.name, statusOf(charged.verdicts[i]!)])),
        };
        next();
      },
      (err: unknown) => next(err),
    );
  };

  const plugin: ApolloServerPlugin<RouterContext> = {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          // Apollo hands plugins a shallow copy of the context the middleware filled.
          const report = contextValue.cost;
          if (!report || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: report };
        },
      };
    },
  };

  return { calculator, middleware, plugin };
}
