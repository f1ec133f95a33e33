// One suite, both stores: the in-memory store always, Redis when TEST_REDIS_URL is set
// (scripts/with-redis.sh; .ci/run). A PGlite-only run reports the Redis half as skipped.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from './config.ts';
import { memoryStore, redisStore, type SharedStore } from './store.ts';

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const suites: [string, (() => SharedStore) | undefined][] = [
  ['memory', () => memoryStore()],
  ['redis', redisUrl ? () => redisStore({ url: redisUrl, prefix: `test:${randomUUID()}:` }) : undefined],
];

for (const [kind, make] of suites) {
  describe.skipIf(!make)(`shared store (${kind})`, () => {
    const store = make?.() as SharedStore;
    afterAll(() => store?.close());

    it('setIfAbsent: exactly one of many concurrent callers wins', async () => {
      const key = randomUUID();
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent(key, `v${i}`, 5_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await store.get(key)).toBe(`v${wins.indexOf(true)}`);
    });

    it('records expire after their lifetime', async () => {
      const key = randomUUID();
      expect(await store.setIfAbsent(key, 'a', 50)).toBe(true);
      expect(await store.setIfAbsent(key, 'b', 50)).toBe(false);
      await sleep(120);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.setIfAbsent(key, 'b', 50)).toBe(true);
    });

    it('replaceIf and deleteIf act only on the expected value', async () => {
      const key = randomUUID();
      await store.set(key, 'one', 5_000);
      expect(await store.replaceIf(key, 'other', 'two', 5_000)).toBe(false);
      expect(await store.replaceIf(key, 'one', 'two', 5_000)).toBe(true);
      expect(await store.get(key)).toBe('two');
      expect(await store.deleteIf(key, 'one')).toBe(false);
      expect(await store.deleteIf(key, 'two')).toBe(true);
      expect(await store.get(key)).toBeUndefined();
      expect(await store.replaceIf(key, 'two', 'three', 5_000)).toBe(false);
    });

    it('answers ping', async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}

describe.skipIf(!redisUrl)('redis store: two clients share one memory', () => {
  it('a key set through one client is refused through another', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = redisStore({ url: redisUrl!, prefix });
    const b = redisStore({ url: redisUrl!, prefix });
    try {
      expect(await a.setIfAbsent('jti', '1', 5_000)).toBe(true);
      expect(await b.setIfAbsent('jti', '1', 5_000)).toBe(false);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('an unreachable server fails commands instead of hanging, and ping says false', async () => {
    const s = redisStore({ url: 'redis://127.0.0.1:1/', commandTimeoutMs: 300 });
    try {
      await expect(s.setIfAbsent('k', 'v', 1_000)).rejects.toThrow();
      expect(await s.ping()).toBe(false);
    } finally {
      await s.close();
    }
  });
});
