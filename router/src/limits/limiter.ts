// The counters every router limit is made of (request rates, declared per-field limits, login
// throttling, cost budgets): fixed windows of points per key, from rate-limiter-flexible.
//
// Where they live follows the shared store (lib/src/store.ts): with REDIS_URL, in Redis, so every
// router replica counts against one limit (RateLimiterRedis: one Lua INCR + PEXPIRE per decision,
// atomic across replicas); without it, in this process (RateLimiterMemory), which is exact for
// the one process the embedded default runs.
//
// Redis down: rate-limiter-flexible rejects with a plain Error, which would fail the request. Each
// Redis limiter is therefore given an insurance limiter in this process's memory with the same
// policy: while Redis is unreachable (rejectIfRedisNotReady: no waiting on a reconnecting client),
// every decision is taken by the insurance limiter (limits continue per process: never a 5xx, and
// never a 429 storm, since the local counters start empty), and the first decision Redis answers
// again makes the limits shared again. Each switch is logged once and counted in `stats`.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible';
import type { Logger } from '@eventzr/lib/logger';
import type { SharedStore } from '@eventzr/lib/store';

/** N points per window of W seconds. */
export interface LimitPolicy {
  /** Names the counters (a key prefix) and the policy in RateLimit-Policy; [a-z0-9_.:-]. */
  name: string;
  points: number;
  windowSeconds: number;
}

/** One decision: whether the points were granted, and the counter after it. */
export interface LimitVerdict {
  allowed: boolean;
  policy: LimitPolicy;
  /** The policy's points per window. */
  limit: number;
  /** Points left in this window (0 when refused). */
  remaining: number;
  /** Points consumed in this window, this call's included. */
  consumed: number;
  /** Milliseconds until the window resets (the counter starts again). */
  resetMs: number;
  /** Whole seconds to wait before a refused call can succeed (0 when allowed). */
  retryAfterSeconds: number;
  /** false: decided by this process's insurance counters (Redis unreachable, or no Redis). */
  shared: boolean;
}

export interface Limiter {
  readonly policy: LimitPolicy;
  /** Takes `points` from `key`'s window; refused when that would go over the policy's points. */
  consume(key: string, points?: number): Promise<LimitVerdict>;
  /** The counter of `key` without taking anything (a full window when it has none). */
  peek(key: string): Promise<LimitVerdict>;
  /** Gives back `points` taken from `key` (e.g. by a call that was refused for another reason). */
  refund(key: string, points: number): Promise<void>;
  /** Refuses everything for `key` during `seconds` (lockouts). */
  block(key: string, seconds: number): Promise<void>;
  /** Forgets `key`'s counter (e.g. a successful login ends a run of failures). */
  reset(key: string): Promise<void>;
}

export interface LimiterStats {
  /** Where decisions are taken now: `memory` (no Redis configured), `shared` (Redis) or `local` (Redis unreachable). */
  mode: 'memory' | 'shared' | 'local';
  decisions: number;
  refusals: number;
  /** Decisions taken by the insurance counters because Redis was unreachable. */
  localDecisions: number;
  /** Times the limits fell back to this process (Redis became unreachable). */
  fallbacks: number;
  /** Times they returned to Redis. */
  recoveries: number;
}

export interface Limiters {
  /** A limiter for `policy`; the same name always gives the same counters. */
  limiter(policy: LimitPolicy): Limiter;
  readonly stats: LimiterStats;
}

const POLICY_NAME = /^[a-z0-9_.:-]{1,64}$/;

/** The counters' key prefix inside the store (which adds STORE_KEY_PREFIX). */
const KEY_PREFIX = 'rl';

function checkPolicy(p: LimitPolicy): void {
  if (!POLICY_NAME.test(p.name)) throw new Error(`limit policy name "${p.name}" must match ${POLICY_NAME}`);
  if (!Number.isSafeInteger(p.points) || p.points < 1) throw new Error(`limit policy ${p.name}: points must be ≥ 1`);
  if (!Number.isSafeInteger(p.windowSeconds) || p.windowSeconds < 1)
    throw new Error(`limit policy ${p.name}: windowSeconds must be ≥ 1`);
}

export interface LimitersOptions {
  store: SharedStore;
  log: Logger;
  /** How long decisions wait for a new process's first Redis connection (default 1 s). */
  connectWaitMs?: number;
}

export function createLimiters(opts: LimitersOptions): Limiters {
  const { store, log } = opts;
  const redis = store.redis;
  const stats: LimiterStats = {
    mode: redis ? 'shared' : 'memory',
    decisions: 0,
    refusals: 0,
    localDecisions: 0,
    fallbacks: 0,
    recoveries: 0,
  };
  const made = new Map<string, Limiter>();

  // rejectIfRedisNotReady sends every decision to the insurance counters while the client is not
  // `ready`, which is right during an outage (no request waits on a reconnecting client) but not
  // while a new process makes its first connection: decisions wait for that (a bounded time).
  let connected = redis === undefined || redis.status === 'ready';
  let waiting: Promise<void> | undefined;
  const firstConnection = (): Promise<void> | void => {
    if (connected || !redis) return;
    waiting ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        connected = true;
        resolve();
      };
      const timer = setTimeout(done, opts.connectWaitMs ?? 1_000);
      timer.unref();
      redis.once('ready', done);
    });
    return waiting;
  };

  const fellBack = () => {
    stats.localDecisions++;
    if (stats.mode !== 'shared') return;
    stats.mode = 'local';
    stats.fallbacks++;
    log.warn(
      { limits: 'local' },
      'rate limits and budgets fall back to per-process counters: the shared store (Redis) is unreachable',
    );
  };
  const sharedAgain = () => {
    if (stats.mode !== 'local') return;
    stats.mode = 'shared';
    stats.recoveries++;
    log.info({ limits: 'shared' }, 'rate limits and budgets are shared again: the shared store (Redis) answers');
  };

  /** This process's counters; as insurance, every call through it is a decision Redis could not take. */
  class Insurance extends RateLimiterMemory {
    override consume(key: string | number, points?: number, options?: Record<string, unknown>) {
      fellBack();
      return super.consume(key, points, options);
    }
    override get(key: string | number, options?: Record<string, unknown>) {
      fellBack();
      return super.get(key, options);
    }
    override reward(key: string | number, points?: number, options?: Record<string, unknown>) {
      fellBack();
      return super.reward(key, points, options);
    }
    override block(key: string | number, seconds: number, options?: Record<string, unknown>) {
      fellBack();
      return super.block(key, seconds, options);
    }
    override delete(key: string | number, options?: Record<string, unknown>) {
      fellBack();
      return super.delete(key, options);
    }
  }

  const build = (policy: LimitPolicy): Limiter => {
    checkPolicy(policy);
    const base: IRateLimiterOptions = {
      keyPrefix: `${KEY_PREFIX}:${policy.name}`,
      points: policy.points,
      duration: policy.windowSeconds,
    };
    const counters = redis
      ? new RateLimiterRedis({
          ...base,
          storeClient: redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new Insurance(base),
        })
      : new RateLimiterMemory(base);

    /** Runs one call; `shared` is false when the insurance counters answered it. */
    const run = async <T>(call: () => Promise<T>): Promise<{ value: T; shared: boolean }> => {
      await firstConnection();
      const before = stats.localDecisions;
      const value = await call();
      const shared = redis !== undefined && stats.localDecisions === before;
      if (shared) sharedAgain();
      return { value, shared };
    };

    const verdict = (res: RateLimiterRes, allowed: boolean, shared: boolean): LimitVerdict => {
      const remaining = allowed ? Math.max(0, res.remainingPoints) : 0;
      const resetMs = Math.max(0, res.msBeforeNext);
      return {
        allowed,
        policy,
        limit: policy.points,
        remaining,
        consumed: res.consumedPoints,
        resetMs,
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(resetMs / 1000)),
        shared,
      };
    };

    return {
      policy,
      async consume(key, points = 1) {
        stats.decisions++;
        await firstConnection();
        const before = stats.localDecisions;
        try {
          const { value, shared } = await run(() => counters.consume(key, points));
          return verdict(value, true, shared);
        } catch (err) {
          if (!(err instanceof RateLimiterRes)) {
            // Not a refusal: a fault of the counters themselves (the insurance cannot fail on
            // its own). A limit that cannot be counted lets the call through, loudly.
            log.error({ err, policy: policy.name }, 'rate limit could not be counted; call allowed');
            return verdict(new RateLimiterRes(0, 0, 0), true, false);
          }
          stats.refusals++;
          return verdict(err, false, redis !== undefined && stats.localDecisions === before);
        }
      },
      async peek(key) {
        const { value, shared } = await run(() => counters.get(key));
        if (!value) return verdict(new RateLimiterRes(policy.points, 0, 0), true, shared);
        const over = value.consumedPoints > policy.points;
        return verdict(value, !over, shared);
      },
      async refund(key, points) {
        if (points > 0) await run(() => counters.reward(key, points));
      },
      async block(key, seconds) {
        await run(() => counters.block(key, Math.max(1, Math.ceil(seconds))));
      },
      async reset(key) {
        await run(() => counters.delete(key));
      },
    };
  };

  return {
    stats,
    limiter(policy) {
      const existing = made.get(policy.name);
      if (existing) {
        const p = existing.policy;
        if (p.points !== policy.points || p.windowSeconds !== policy.windowSeconds)
          throw new Error(`limit policy "${policy.name}" is defined twice with different points or windows`);
        return existing;
      }
      const limiter = build(policy);
      made.set(policy.name, limiter);
      return limiter;
    },
  };
}
