// What an Idempotency-Key costs a mutation at the router: the router's test fixtures (real
// subgraphs verifying claims tokens) behind a real router, a mutation sent over HTTP without a
// key, with a fresh key each time (claim + save: two store round trips and a fingerprint), and
// again with one key (a replay: no subgraph call). On the in-memory store, and on Redis when
// TEST_REDIS_URL is set (e.g. REDIS_PORT=56379 bash scripts/with-redis.sh npm run bench -- idempotency).
// Median of per-request times, the variants interleaved. Run: npm run bench -- idempotency
import { randomUUID } from 'node:crypto';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { memoryStore, redisStore, type SharedStore } from '../lib/src/store.ts';
import {
  bearer,
  fixtureRouterEnv,
  mint,
  post,
  routerConfig,
  rsaKey,
  startFixtures,
  startJwksServer,
  userClaims,
} from '../router/src/__fixtures__/fixtures.ts';
import { createRouter } from '../router/src/router.ts';

const ENQUEUE = 'mutation Enqueue($type: String!) { enqueueJob(type: $type) { id type } }';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runIdempotencyBench(requests = 400): Promise<void> {
  const fx = await startFixtures();
  const key = await rsaKey('bench');
  const jwks = await startJwksServer([key.publicJwk]);
  const auth = bearer(await mint(userClaims(), { key }));
  const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
  const stores: [string, () => SharedStore][] = [['memory', () => memoryStore()]];
  if (redisUrl) stores.push(['redis', () => redisStore({ url: redisUrl, prefix: `bench:${randomUUID()}:` })]);
  console.log('\nIdempotency-Key on a mutation through the router (fixture subgraphs, HTTP)');
  try {
    for (const [kind, make] of stores) {
      const store = make();
      const config = await routerConfig(fixtureRouterEnv(fx, jwks.url));
      const router = await createRouter(config, { supergraphSdl: fx.supergraphSdl, store });
      const { url } = await router.listen(0);
      const send = (headers: Record<string, string> = {}) =>
        post(url, { query: ENQUEUE, variables: { type: 'email' } }, { ...auth, ...headers });
      const replayKey = randomUUID();
      await send({ 'idempotency-key': replayKey });
      const variants: [string, () => Promise<unknown>][] = [
        ['no key', () => send()],
        ['fresh key (claim + save)', () => send({ 'idempotency-key': randomUUID() })],
        ['same key (replay, no subgraph call)', () => send({ 'idempotency-key': replayKey })],
      ];
      for (const [, run] of variants) for (let i = 0; i < 30; i++) await run();
      // Interleaved request by request, so a change in the machine's load hits every variant alike.
      const times = new Map<string, number[]>(variants.map(([l]) => [l, []]));
      for (let i = 0; i < requests; i++)
        for (const [label, run] of variants) {
          const t0 = performance.now();
          await run();
          times.get(label)!.push((performance.now() - t0) * 1000);
        }
      const base = median(times.get('no key')!);
      console.log(`  ${kind} store`);
      for (const [label] of variants) {
        const us = median(times.get(label)!);
        const delta = us - base;
        console.log(
          `    ${label.padEnd(38)} ${us.toFixed(0).padStart(7)} µs/request  ${label === 'no key' ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(0)} µs`}`,
        );
      }
      // The store's share alone: the claim and the save a keyed mutation adds, back to back.
      const ops = 2000;
      const t0 = performance.now();
      for (let i = 0; i < ops; i++) {
        const k = `bench-${i}-${randomUUID()}`;
        await store.setIfAbsent(k, 'running', 60_000);
        await store.replaceIf(k, 'running', 'saved', 60_000);
      }
      console.log(
        `    ${'store only: setIfAbsent + replaceIf'.padEnd(38)} ${(((performance.now() - t0) / ops) * 1000).toFixed(0).padStart(7)} µs/mutation`,
      );
      await router.stop();
      await store.close();
    }
  } finally {
    await jwks.close();
    await fx.close();
  }
}
