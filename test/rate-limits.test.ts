// Request rate limits end to end, on the router's real pipeline in front of the fixture subgraphs:
// - the bounded load test: ~20,000 mixed requests on loopback, 50 in flight, from users in
//   several tenants, internal callers, anonymous addresses and bad-token floods, many over their
//   limits: exact 429 counts per caller, no 5xx, no subgraph call for a refused request, and no
//   caller's exhaustion touching another's (in memory; on Redis too when TEST_REDIS_URL is set);
// - on one Redis (TEST_REDIS_URL): two routers, and two router processes, enforce one exact limit;
// - Redis stopped mid-test (a private server): no 5xx, limits continue per process (limitStats
//   mode `local`, one warning, /readyz says so), and shared again once Redis is back.
// No assertion on time: the windows are long enough (an hour) that none resets during a test.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { redisStore, type SharedStore } from '../lib/src/store.ts';
import { canStartPrivateRedis, startPrivateRedis, testClaimsKeys, type PrivateRedis } from '../lib/src/testing.ts';
import {
  AUDIENCE,
  INTERNAL_KEY,
  ISSUER,
  bearer,
  fixtureRouterEnv,
  mint,
  routerConfig,
  rsaKey,
  startFixtures,
  startJwksServer,
  userClaims,
  type Fixtures,
  type JwksServer,
  type SigningKey,
} from '../router/src/__fixtures__/fixtures.ts';
import { createRouter, type RouterOptions } from '../router/src/router.ts';
import { freePorts, startProcess, stopAll, waitReady, type Proc } from './support/processes.ts';

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

const ME = 'query Me { me { id } }';
const JOBS = 'query Jobs { jobs { id } }';
const WORKERS = 'query Workers { workers { id } }';
const TYPENAME = 'query Anonymous { __typename }';
const LEASE = 'mutation Lease { leaseJobs(max: 1) { id } }';

/** An hour: no window resets while a test runs, whatever the machine's load. */
const WINDOW = '3600';

let fx: Fixtures;
let key: SigningKey;
let jwks: JwksServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  fx = await startFixtures();
  key = await rsaKey('rate-limits');
  jwks = await startJwksServer([key.publicJwk]);
});
afterAll(async () => {
  agent.destroy();
  for (const c of cleanups.reverse()) await c();
  await jwks?.close();
  await fx?.close();
});

async function startRouter(env: Record<string, string | undefined>, opts: RouterOptions = {}) {
  const config = await routerConfig({ ...fixtureRouterEnv(fx, jwks.url), RATE_LIMIT_WINDOW_SECONDS: WINDOW, ...env });
  const router = await createRouter(config, { supergraphSdl: fx.supergraphSdl, ...opts });
  const { url } = await router.listen(0);
  cleanups.push(() => router.stop());
  return { router, url, base: url.replace(/\/graphql$/, '') };
}

function redisStoreFor(url: string, prefix: string, opts: { commandTimeoutMs?: number } = {}): SharedStore {
  const store = redisStore({ url, prefix, ...opts });
  cleanups.push(() => store.close());
  return store;
}

interface Reply {
  status: number;
  remaining: string | null;
  code?: string;
}

/** Keep-alive connections, as a client under load holds them (node:http: lighter than fetch). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function send(url: string, query: string, headers: Record<string, string>): Promise<Reply> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('error', reject);
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
            const remaining = res.headers['x-ratelimit-remaining'];
            resolve({
              status: res.statusCode!,
              remaining: typeof remaining === 'string' ? remaining : null,
              code: parsed.errors?.[0]?.extensions?.code,
            });
          } catch (err) {
            reject(err as Error);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `jobs` with `concurrency` in flight; results in the jobs' order. */
async function pool<T>(jobs: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/** A deterministic shuffle (a small LCG), so a failing order can be run again. */
function shuffle<T>(xs: T[], seed = 9): T[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

// ---------------------------------------------------------------- the bounded load test

const LIMITS = { user: 20, anonymous: 5, internal: 100 };

interface Caller {
  name: string;
  kind: 'user' | 'anonymous' | 'internal';
  tenant?: string;
  limit: number;
  /** The requests it sends: each one's query, headers and the status it gets when within its limit. */
  requests: { query: string; headers: Record<string, string>; expect: number; field?: string }[];
}

async function loadCallers(): Promise<Caller[]> {
  const callers: Caller[] = [];
  const tenants = Array.from({ length: 5 }, () => randomUUID());
  // Users: 16 per tenant; their demand runs from well under to eight times their limit. Tenant 0
  // exhausts everything; tenant 4 stays under: its answers prove tenant 0 leaks nothing.
  const demand = [5, 19, 20, 21, 40, 80, 200, 400];
  const sharedSub = randomUUID(); // one user id in every tenant: five users, five windows
  for (const [t, tenant] of tenants.entries())
    for (let u = 0; u < 16; u++) {
      const sub = u === 0 ? sharedSub : randomUUID();
      const n = t === 0 ? 400 : t === 4 ? demand[u % 3]! : demand[u % demand.length]!;
      const auth = bearer(await mint(userClaims({ sub, tenantId: tenant, roles: ['user'] }), { key }));
      const kinds = [
        { query: ME, expect: 200, field: 'me' },
        { query: JOBS, expect: 200, field: 'jobs' },
        { query: WORKERS, expect: 403 }, // the gate refuses: counted all the same
      ];
      callers.push({
        name: `user ${t}/${u}`,
        kind: 'user',
        tenant,
        limit: LIMITS.user,
        requests: Array.from({ length: n }, (_, i) => ({ ...kinds[i % 3]!, headers: auth })),
      });
    }
  // Anonymous addresses (X-Forwarded-For from a trusted loopback proxy); some also send bad tokens
  // (401, counted against the same address).
  const anonymousDemand = [2, 4, 5, 6, 10, 20];
  for (let a = 0; a < 300; a++) {
    const ip = `10.${a >> 8}.${a & 255}.7`;
    const n = anonymousDemand[a % anonymousDemand.length]!;
    const badTokens = a % 5 === 0;
    callers.push({
      name: `address ${ip}`,
      kind: 'anonymous',
      limit: LIMITS.anonymous,
      requests: Array.from({ length: n }, (_, i) =>
        badTokens && i % 2 === 0
          ? { query: ME, headers: { 'x-forwarded-for': ip, ...bearer(`bad.token.${i}`) }, expect: 401 }
          : { query: TYPENAME, headers: { 'x-forwarded-for': ip }, expect: 200 },
      ),
    });
  }
  // A flood of bad tokens from a few addresses.
  for (let a = 0; a < 40; a++) {
    const ip = `172.16.0.${a + 1}`;
    callers.push({
      name: `bad tokens ${ip}`,
      kind: 'anonymous',
      limit: LIMITS.anonymous,
      requests: Array.from({ length: 150 }, (_, i) => ({
        query: ME,
        headers: { 'x-forwarded-for': ip, ...bearer(`forged.${a}.${i}`) },
        expect: 401,
      })),
    });
  }
  // The internal caller (the development credential), over its own limit.
  callers.push({
    name: 'internal development',
    kind: 'internal',
    limit: LIMITS.internal,
    requests: Array.from({ length: 600 }, () => ({
      query: LEASE,
      headers: { 'x-internal-api-key': INTERNAL_KEY },
      expect: 200,
      field: 'leaseJobs',
    })),
  });
  return callers;
}

async function loadTest(opts: RouterOptions) {
  const { url, router } = await startRouter(
    {
      TRUSTED_PROXIES: 'loopback',
      RATE_LIMIT_USER_REQUESTS: String(LIMITS.user),
      RATE_LIMIT_ANONYMOUS_REQUESTS: String(LIMITS.anonymous),
      RATE_LIMIT_INTERNAL_REQUESTS: String(LIMITS.internal),
    },
    opts,
  );
  const callers = await loadCallers();
  const total = callers.reduce((n, c) => n + c.requests.length, 0);
  expect(total).toBeGreaterThanOrEqual(19_000);
  expect(total).toBeLessThanOrEqual(21_000);
  const jobs = shuffle(callers.flatMap((caller) => caller.requests.map((r) => ({ caller, r }))));
  fx.reset();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const replies = await pool(
    jobs.map(
      ({ r }) =>
        () =>
          send(url, r.query, r.headers),
    ),
    50,
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;

  type Seen = { statuses: number[]; calls: Map<string, number> };
  const byCaller = new Map<Caller, Seen>();
  replies.forEach((reply, i) => {
    const { caller, r } = jobs[i]!;
    const seen: Seen = byCaller.get(caller) ?? { statuses: [], calls: new Map<string, number>() };
    byCaller.set(caller, seen);
    seen.statuses.push(reply.status);
    if (reply.status === 429) expect(reply.code).toBe('RATE_LIMITED');
    else {
      // within its limit: exactly the answer that request gets without any limit
      expect({ caller: caller.name, status: reply.status }).toEqual({ caller: caller.name, status: r.expect });
      if (r.field) seen.calls.set(r.field, (seen.calls.get(r.field) ?? 0) + 1);
    }
    expect(reply.remaining).not.toBeNull();
  });
  let refusedTotal = 0;
  const expectedCalls = new Map<string, number>();
  for (const caller of callers) {
    const seen = byCaller.get(caller)!;
    const refused = seen.statuses.filter((s) => s === 429).length;
    expect({ caller: caller.name, refused }).toEqual({
      caller: caller.name,
      refused: Math.max(0, caller.requests.length - caller.limit),
    });
    refusedTotal += refused;
    for (const [field, n] of seen.calls) expectedCalls.set(field, (expectedCalls.get(field) ?? 0) + n);
  }
  expect(replies.filter((r) => r.status >= 500)).toEqual([]);
  // Every subgraph call is one of the admitted requests: nothing refused reached a subgraph.
  const calls = new Map<string, number>();
  for (const c of fx.calls()) calls.set(c.field, (calls.get(c.field) ?? 0) + 1);
  for (const field of ['me', 'jobs', 'leaseJobs']) expect(calls.get(field) ?? 0).toBe(expectedCalls.get(field) ?? 0);
  // (Tenant 4's users, all within their limits, were refused nothing while tenant 0 exhausted
  // every window it has: the exact counts above.)
  return { total, refusedTotal, seconds, cpuSeconds, router };
}

describe('the bounded load test (~20,000 mixed requests, 50 in flight)', () => {
  it(
    'in memory: exact 429 counts per caller, no 5xx, nothing leaks between tenants',
    { timeout: 300_000 },
    async () => {
      const { total, refusedTotal, seconds, cpuSeconds, router } = await loadTest({});
      expect(router.limitStats).toMatchObject({ mode: 'memory', refusals: refusedTotal });
      console.log(
        `load test (memory): ${total} requests, ${refusedTotal} refused, ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} requests/s, ${cpuSeconds.toFixed(1)} s of CPU in this process`,
      );
    },
  );

  it.skipIf(!redisUrl)('on Redis: the same exact counts', { timeout: 300_000 }, async () => {
    const store = redisStoreFor(redisUrl!, `rate-limits-load:${randomUUID()}:`);
    const { total, refusedTotal, seconds, cpuSeconds, router } = await loadTest({ store });
    expect(router.limitStats).toMatchObject({ mode: 'shared', refusals: refusedTotal, localDecisions: 0 });
    console.log(
      `load test (Redis): ${total} requests, ${refusedTotal} refused, ${seconds.toFixed(1)} s, ${(total / seconds).toFixed(0)} requests/s, ${cpuSeconds.toFixed(1)} s of CPU in this process`,
    );
  });
});

// ---------------------------------------------------------------- one Redis, two routers

const FALLBACK = 'rate limits and budgets fall back to per-process counters: the shared store (Redis) is unreachable';
const RECOVERED = 'rate limits and budgets are shared again: the shared store (Redis) answers';

const userAuth = async () => bearer(await mint(userClaims({ sub: randomUUID() }), { key }));
const statusCounts = (replies: Reply[]) => {
  const counts: Record<number, number> = {};
  for (const r of replies) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
};
/** `n` requests of one caller, alternating between `urls`, `inFlight` at a time. */
const split = (urls: string[], n: number, headers: Record<string, string>, inFlight = 20) =>
  pool(
    Array.from({ length: n }, (_, i) => () => send(urls[i % urls.length]!, ME, headers)),
    inFlight,
  );

describe.skipIf(!redisUrl)('two routers on one Redis (TEST_REDIS_URL)', () => {
  it('enforce one exact limit: 60 requests of one user split across both, exactly 30 pass', async () => {
    const prefix = `rate-limits:${randomUUID()}:`;
    const env = { RATE_LIMIT_USER_REQUESTS: '30' };
    const a = await startRouter(env, { store: redisStoreFor(redisUrl!, prefix) });
    const b = await startRouter(env, { store: redisStoreFor(redisUrl!, prefix) });
    const auth = await userAuth();
    fx.reset();
    const replies = await split([a.url, b.url], 60, auth);
    expect(statusCounts(replies)).toEqual({ 200: 30, 429: 30 });
    // one counter: the 30 admitted requests saw each remaining count once
    expect(
      replies
        .filter((r) => r.status === 200)
        .map((r) => Number(r.remaining))
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(fx.calls().filter((c) => c.field === 'me')).toHaveLength(30);
    for (const r of [a.router, b.router]) expect(r.limitStats).toMatchObject({ mode: 'shared', localDecisions: 0 });
  });
});

describe.skipIf(!canStartPrivateRedis())('Redis stopped mid-test (a private server), then back', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    cleanups.push(() => redis.destroy());
  });

  it('no 5xx, limits continue per process (one warning, /readyz says so), then one shared limit again', async () => {
    const prefix = `outage:${randomUUID()}:`;
    const lines: { level: number; msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as never) });
    const env = { RATE_LIMIT_USER_REQUESTS: '5' };
    const a = await startRouter(env, {
      store: redisStoreFor(redis.url, prefix, { commandTimeoutMs: 500 }),
      logger,
      readiness: { reuseMs: 0 },
    });
    const b = await startRouter(env, { store: redisStoreFor(redis.url, prefix, { commandTimeoutMs: 500 }) });
    const urls = [a.url, b.url];

    // shared: 10 requests over both routers, 5 pass
    const user = await userAuth();
    expect(statusCounts(await split(urls, 10, user, 1))).toEqual({ 200: 5, 429: 5 });

    await redis.stop();
    // Each router counts on its own now, from an empty window: 5 more each (never a 5xx, never a
    // storm of 429s), then 429 again.
    const during = await split(urls, 14, user, 1);
    expect(statusCounts(during)).toEqual({ 200: 10, 429: 4 });
    const other = await userAuth();
    expect(statusCounts(await split([a.url], 7, other, 3))).toEqual({ 200: 5, 429: 2 });
    expect(a.router.limitStats).toMatchObject({ mode: 'local', fallbacks: 1 });
    expect(b.router.limitStats).toMatchObject({ mode: 'local', fallbacks: 1 });
    expect(lines.filter((l) => l.msg === FALLBACK)).toHaveLength(1);
    expect(lines.find((l) => l.msg === FALLBACK)!.level).toBe(40); // warn
    const ready = await fetch(`${a.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ store: 'unavailable', limits: 'local' });

    await redis.start(); // empty again
    // The first decision Redis answers makes the limits shared again (polled: a bound, not a time).
    for (let i = 0; i < 300 && [a, b].some((r) => r.router.limitStats.mode !== 'shared'); i++) {
      await split(urls, 2, await userAuth(), 2);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const r of [a.router, b.router]) expect(r.limitStats).toMatchObject({ mode: 'shared', recoveries: 1 });
    expect(lines.filter((l) => l.msg === RECOVERED)).toHaveLength(1);
    const back = await fetch(`${a.base}/readyz`);
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ store: 'ready', limits: 'shared' });
    // one exact limit across both again
    expect(statusCounts(await split(urls, 12, await userAuth()))).toEqual({ 200: 5, 429: 7 });
  });
});

// ---------------------------------------------------------------- two router processes

describe.skipIf(!canStartPrivateRedis())('two router processes on one Redis (`npm start`’s entry point)', () => {
  let redis: PrivateRedis;
  let procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'eventzr-rate-limits-'));
  beforeAll(async () => {
    redis = await startPrivateRedis();
    const supergraphPath = join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, fx.supergraphSdl);
    const claims = await testClaimsKeys();
    const ports = await freePorts(2);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      SUPERGRAPH_PATH: supergraphPath,
      ...fixtureRouterEnv(fx, jwks.url),
      ROUTER_CLAIMS_PRIVATE_KEY: claims.ROUTER_CLAIMS_PRIVATE_KEY!,
      REDIS_URL: redis.url,
      STORE_KEY_PREFIX: `processes:${randomUUID()}:`,
      RATE_LIMIT_USER_REQUESTS: '30',
      RATE_LIMIT_WINDOW_SECONDS: WINDOW,
    };
    procs = ports.map((port, i) => startProcess(`router-${i}`, 'router/src/main.ts', [], port, env));
    await Promise.all(procs.map((p) => waitReady(p, 120_000)));
  }, 180_000);
  afterAll(async () => {
    await stopAll(procs);
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const urls = () => procs.map((p) => `${p.base}/graphql`);
  const readyz = async (p: Proc) => {
    const res = await fetch(`${p.base}/readyz`);
    return { status: res.status, body: (await res.json()) as { store: string; limits: string } };
  };

  it(
    'enforce one exact limit; Redis stopped → per process, no 5xx; Redis back → one limit again',
    { timeout: 180_000 },
    async () => {
      fx.reset();
      expect(statusCounts(await split(urls(), 60, await userAuth()))).toEqual({ 200: 30, 429: 30 });
      expect(fx.calls().filter((c) => c.field === 'me')).toHaveLength(30);

      await redis.stop();
      // 40 requests to each process: each admits its own 30 from an empty window
      const during = await split(urls(), 80, await userAuth());
      expect(statusCounts(during)).toEqual({ 200: 60, 429: 20 });
      for (const p of procs) {
        expect(p.lines.filter((l) => l.msg === FALLBACK)).toHaveLength(1);
        // /readyz reuses its answer for a second: polled until it reflects the outage
        let r = await readyz(p);
        for (let i = 0; i < 100 && r.body.store !== 'unavailable'; i++) {
          await new Promise((done) => setTimeout(done, 50));
          r = await readyz(p);
        }
        expect(r).toEqual({ status: 503, body: expect.objectContaining({ store: 'unavailable', limits: 'local' }) });
      }

      await redis.start();
      for (const p of procs) {
        let r = await readyz(p);
        for (let i = 0; i < 300 && (r.body.limits !== 'shared' || r.body.store !== 'ready'); i++) {
          await send(`${p.base}/graphql`, ME, await userAuth());
          await new Promise((done) => setTimeout(done, 50));
          r = await readyz(p);
        }
        expect(r.body).toMatchObject({ store: 'ready', limits: 'shared' });
        expect(p.lines.filter((l) => l.msg === RECOVERED)).toHaveLength(1);
      }
      expect(statusCounts(await split(urls(), 60, await userAuth()))).toEqual({ 200: 30, 429: 30 });
      expect(procs.every((p) => p.alive())).toBe(true);
    },
  );
});
