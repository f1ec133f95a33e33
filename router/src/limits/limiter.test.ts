import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '@eventzr/lib/config';
import { createLogger } from '@eventzr/lib/logger';
import { memoryStore, redisStore, type SharedStore } from '@eventzr/lib/store';
import { canStartPrivateRedis, startPrivateRedis, type PrivateRedis } from '@eventzr/lib/testing';
import { createLimiters, type LimitPolicy, type Limiters } from './limiter.ts';

const log = createLogger('limiter-test', 'silent');
const policy = (points: number, windowSeconds = 60): LimitPolicy => ({ name: `t.${points}`, points, windowSeconds });

/** Takes one point `n` times from `key`, in sequence; the verdicts' allowed flags. */
async function consumeTimes(limiters: Limiters, p: LimitPolicy, key: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await limiters.limiter(p).consume(key));
  return out;
}

describe('limiters in memory (no REDIS_URL)', () => {
  const limiters = createLimiters({ store: memoryStore(), log });

  it('grants the policy points per key, then refuses with the time to wait', async () => {
    const verdicts = await consumeTimes(limiters, policy(3), 'a', 4);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(verdicts.map((v) => v.remaining)).toEqual([2, 1, 0, 0]);
    const refused = verdicts[3]!;
    expect(refused).toMatchObject({ limit: 3, consumed: 4, shared: false });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // another key has its own window
    expect((await limiters.limiter(policy(3)).consume('b')).allowed).toBe(true);
    expect(limiters.stats).toMatchObject({ mode: 'memory', localDecisions: 0 });
  });

  it('takes several points at once, and never more than the window holds', async () => {
    const l = limiters.limiter({ name: 'cost', points: 100, windowSeconds: 60 });
    expect(await l.consume('t', 60)).toMatchObject({ allowed: true, remaining: 40 });
    expect(await l.consume('t', 41)).toMatchObject({ allowed: false, remaining: 0 });
    // a refused call gives its points back: what is left is what it was
    await l.refund('t', 41);
    expect(await l.peek('t')).toMatchObject({ allowed: true, remaining: 40, consumed: 60 });
    expect(await l.consume('t', 40)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('peek takes nothing; reset forgets; block refuses for its time', async () => {
    const l = limiters.limiter({ name: 'misc', points: 2, windowSeconds: 60 });
    expect(await l.peek('k')).toMatchObject({ allowed: true, remaining: 2, consumed: 0 });
    await l.consume('k');
    await l.consume('k');
    expect((await l.consume('k')).allowed).toBe(false);
    await l.reset('k');
    expect(await l.consume('k')).toMatchObject({ allowed: true, remaining: 1 });
    await l.block('k', 120);
    const blocked = await l.consume('k');
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterSeconds).toBeGreaterThan(60);
  });

  it('refuses policies it cannot count, and one name with two policies', () => {
    expect(() => limiters.limiter({ name: 'Bad Name', points: 1, windowSeconds: 1 })).toThrow(/must match/);
    expect(() => limiters.limiter({ name: 'zero', points: 0, windowSeconds: 1 })).toThrow(/points/);
    limiters.limiter({ name: 'same', points: 1, windowSeconds: 1 });
    expect(() => limiters.limiter({ name: 'same', points: 2, windowSeconds: 1 })).toThrow(/defined twice/);
  });
});

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

describe.skipIf(!redisUrl)('limiters on one Redis (TEST_REDIS_URL)', () => {
  const stores: SharedStore[] = [];
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  it('two routers on one Redis share one exact limit, also when racing', async () => {
    const prefix = `limiter-test:${randomUUID()}:`;
    const [a, b] = [0, 1].map(() => {
      const store = redisStore({ url: redisUrl!, prefix });
      stores.push(store);
      return createLimiters({ store, log });
    });
    const p = { name: 'shared', points: 25, windowSeconds: 60 };
    const verdicts = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a! : b!).limiter(p).consume('user-1')),
    );
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    expect(verdicts.every((v) => v.shared)).toBe(true);
    expect(a!.stats).toMatchObject({ mode: 'shared', localDecisions: 0, fallbacks: 0 });
  });
});

describe.skipIf(!canStartPrivateRedis())('limiters when Redis goes away and comes back', () => {
  let redis: PrivateRedis;
  let store: SharedStore;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    store = redisStore({ url: redis.url, prefix: 'outage:', commandTimeoutMs: 500 });
  });
  afterAll(async () => {
    await store?.close();
    await redis?.destroy();
  });

  it('falls back to per-process counters (no error, no refusal storm), then shares again', async () => {
    const limiters = createLimiters({ store, log });
    const p = { name: 'outage', points: 3, windowSeconds: 60 };
    const l = limiters.limiter(p);
    await l.consume('u');
    await l.consume('u');
    expect(await l.consume('u')).toMatchObject({ allowed: true, remaining: 0, shared: true });

    await redis.stop();
    // Redis's counter (exhausted) is out of reach: the process counts afresh, and still limits.
    const during = [];
    for (let i = 0; i < 4; i++) during.push(await l.consume('u'));
    expect(during.map((v) => v.allowed)).toEqual([true, true, true, false]);
    expect(during.every((v) => !v.shared)).toBe(true);
    expect(limiters.stats).toMatchObject({ mode: 'local', fallbacks: 1 });

    await redis.start(); // empty again
    let back = await l.consume('v');
    for (let i = 0; i < 200 && !back.shared; i++) {
      await new Promise((r) => setTimeout(r, 50));
      back = await l.consume('v');
    }
    expect(back.shared).toBe(true);
    expect(limiters.stats).toMatchObject({ mode: 'shared', recoveries: 1 });
    // the counters are Redis's again: a second process would see them
    const other = redisStore({ url: redis.url, prefix: 'outage:' });
    try {
      const seen = await createLimiters({ store: other, log }).limiter(p).peek('v');
      expect(seen.consumed).toBe(back.consumed);
      expect(seen.shared).toBe(true);
    } finally {
      await other.close();
    }
  });
});
