// What the request rate limit (router/src/limits/requests.ts) costs a request:
// - the decision alone: the middleware as the router runs it (one consume on the caller's
//   window, the five headers set), on a fresh user each time, one at a time and 50 at once;
//   with the in-memory counters, and with Redis (when TEST_REDIS_URL is set, e.g. under
//   scripts/with-redis.sh): one Lua round trip per decision;
// - end to end over HTTP through a real router (the fixture subgraphs behind it): an anonymous
//   `{ __typename }` (no subgraph call) admitted, and the same refused with 429, per store. The
//   admitted request minus the decision is what the router costs without the limit.
// Median of per-request times, the variants interleaved (a shared machine).
// Run: npm run bench -- limits   (Redis: REDIS_PORT=56379 bash scripts/with-redis.sh npm run bench -- limits)
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { createLogger } from '../lib/src/logger.ts';
import { memoryStore, redisStore, type SharedStore } from '../lib/src/store.ts';
import { userCaller } from '../lib/src/testing/callers.ts';
import { fixtureRouterEnv, routerConfig, startFixtures, startJwksServer } from '../router/src/__fixtures__/fixtures.ts';
import { createLimiters } from '../router/src/limits/limiter.ts';
import { createRequestLimits } from '../router/src/limits/requests.ts';
import { createRouter } from '../router/src/router.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = createLogger('bench', 'silent');
const TYPENAME = JSON.stringify({ query: 'query Anonymous { __typename }' });

/** µs per decision: `n` middleware calls, `inFlight` at a time, each a new user. */
async function decisions(store: SharedStore, n: number, inFlight: number): Promise<number> {
  const limits = createRequestLimits({
    limiters: createLimiters({ store, log }),
    settings: { windowSeconds: 60, user: 100, anonymous: 10, internal: 6000 },
    log,
  });
  const tenantId = randomUUID();
  const contexts = Array.from({ length: n }, () => ({ caller: userCaller({ tenantId }), clientAddress: '127.0.0.1' }));
  const req = { requestId: 'bench' } as never;
  const one = (i: number) =>
    new Promise<void>((done) => {
      const res = { locals: { context: contexts[i] }, setHeader: () => undefined };
      void limits.middleware(req, res as never, () => done());
    });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return ((performance.now() - t0) / n) * 1000;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(port: number, ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(TYPENAME);
  });
}

export async function runLimitsBench(requests = 1000, rounds = 5): Promise<void> {
  const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
  const stores: [string, () => SharedStore][] = [['memory', () => memoryStore()]];
  if (redisUrl) stores.push(['redis', () => redisStore({ url: redisUrl, prefix: `bench:${randomUUID()}:` })]);

  console.log('\nRequest rate limit: the decision alone (consume + headers), µs per request');
  for (const [kind, make] of stores) {
    const store = make();
    await decisions(store, 500, 1); // warm-up
    const serial: number[] = [];
    const concurrent: number[] = [];
    for (let r = 0; r < rounds; r++) {
      serial.push(await decisions(store, requests, 1));
      concurrent.push(await decisions(store, requests, 50));
    }
    console.log(
      `  ${kind.padEnd(7)} one at a time ${median(serial).toFixed(1).padStart(8)} µs   50 in flight ${median(concurrent).toFixed(1).padStart(8)} µs/request`,
    );
    await store.close();
  }

  const fx = await startFixtures();
  const jwks = await startJwksServer([]);
  console.log('\nEnd to end over HTTP: anonymous { __typename } through the router, median µs per request');
  try {
    for (const [kind, make] of stores) {
      const store = make();
      const config = await routerConfig({
        ...fixtureRouterEnv(fx, jwks.url),
        TRUSTED_PROXIES: 'loopback',
        RATE_LIMIT_ANONYMOUS_REQUESTS: '3',
      });
      const router = await createRouter(config, { supergraphSdl: fx.supergraphSdl, store });
      const { port } = await router.listen(0);
      // an exhausted address for the refusals
      for (let i = 0; i < 3; i++) await post(port, '192.0.2.99');
      let a = 0;
      const admitted = () => post(port, `10.${(a >> 16) & 255}.${(a >> 8) & 255}.${a++ & 255}`);
      const refused = () => post(port, '192.0.2.99');
      for (let i = 0; i < 100; i++) await Promise.all([admitted(), refused()]); // warm-up
      const times = { admitted: [] as number[], refused: [] as number[] };
      for (let i = 0; i < requests; i++)
        for (const [label, run] of [
          ['admitted', admitted],
          ['refused', refused],
        ] as const) {
          const t0 = performance.now();
          const status = await run();
          if ((label === 'refused') !== (status === 429)) throw new Error(`${label}: unexpected ${status}`);
          times[label].push((performance.now() - t0) * 1000);
        }
      console.log(
        `  ${kind.padEnd(7)} admitted (200) ${median(times.admitted).toFixed(0).padStart(7)} µs   refused (429) ${median(times.refused).toFixed(0).padStart(7)} µs`,
      );
      await router.stop();
      await store.close();
    }
  } finally {
    agent.destroy();
    await jwks.close();
    await fx.close();
  }
}
