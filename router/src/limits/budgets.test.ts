// Cost at the router, over HTTP against the fixture subgraphs: the maximum cost refused before
// any subgraph is called, budgets per tenant and per user by plan tier (all or nothing), per
// anonymous client address and per internal caller, and extensions.cost. On the in-memory
// limiters, and again on Redis when TEST_REDIS_URL is set (scripts/with-redis.sh).
//
// Budgets count in small windows (2 s) set by config; refills are waited for with the window the
// 429 names (retryAfter), and only outcomes are asserted.
import { randomUUID } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '@eventzr/lib/config';
import { memoryStore, redisStore, type SharedStore } from '@eventzr/lib/store';
import {
  AUTH_SDL,
  INTERNAL_KEY,
  JOBS_SDL,
  TENANT_A,
  TENANT_B,
  bearer,
  fixtureRouterEnv,
  mint,
  post,
  routerConfig,
  rsaKey,
  startFixtures,
  startJwksServer,
  userClaims,
  type Answer,
  type Fixtures,
  type JwksServer,
  type SigningKey,
} from '../__fixtures__/fixtures.ts';
import { createRouter, type Router } from '../router.ts';
import { DEFAULT_COST_BUDGETS } from './budgets.ts';

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The fixture subgraphs with cost directives in the supergraph only (directives the gateway
// reads from the supergraph; the subgraphs serve the same fields): jobs sized 10, leaseJobs by
// its `max` argument, enqueueJob's payload weighed.
const COSTED_JOBS_SDL = JOBS_SDL.replace(
  'jobs: [Job!]! @requiresScopes(scopes: [["jobs:read"]])',
  'jobs: [Job!]! @requiresScopes(scopes: [["jobs:read"]]) @listSize(assumedSize: 10)',
)
  .replace('leaseJobs(max: Int!): [Job!]!', 'leaseJobs(max: Int!): [Job!]! @listSize(slicingArguments: ["max"])')
  .replace('enqueueJob(type: String!, payload: JSON)', 'enqueueJob(type: String!, payload: JSON @cost(weight: 4))');

function costedSupergraph(fx: Fixtures): string {
  expect(COSTED_JOBS_SDL).toContain('@listSize(slicingArguments: ["max"])');
  expect(COSTED_JOBS_SDL).toContain('@cost(weight: 4)');
  const composed = composeServices([
    { name: 'auth', url: fx.auth.url, typeDefs: parse(AUTH_SDL) },
    { name: 'jobs', url: fx.jobs.url, typeDefs: parse(COSTED_JOBS_SDL) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

// Costs (hand computed): jobs 10 × Job 1 = 10; with createdBy: 10 × (1 + 1) = 20.
const JOBS_10 = '{ jobs { id } }';
const JOBS_20 = '{ jobs { id createdBy { id } } }';
// login: 10 (a mutation root field) + LoginPayload 1 = 11.
const LOGIN = 'mutation { login(input: { email: "a@b.example", password: "pw" }) { accessToken } }';
// leaseJobs(max: $max): 10 + max × Job 1.
const LEASE = 'mutation Lease($max: Int!) { leaseJobs(max: $max) { id } }';

const stores: [string, ((prefix: string) => SharedStore) | undefined][] = [
  ['memory', () => memoryStore()],
  ['redis', redisUrl ? (prefix) => redisStore({ url: redisUrl, prefix }) : undefined],
];

for (const [kind, makeStore] of stores) {
  describe.skipIf(!makeStore)(`operation cost and cost budgets (${kind} limiters)`, () => {
    let fx: Fixtures;
    let jwks: JwksServer;
    let key: SigningKey;
    let sdl: string;
    const opened: { router: Router; store: SharedStore }[] = [];

    beforeAll(async () => {
      [fx, key] = await Promise.all([startFixtures(), rsaKey('key-1')]);
      jwks = await startJwksServer([key.publicJwk]);
      sdl = costedSupergraph(fx);
    });
    afterAll(async () => {
      for (const o of opened) {
        await o.router.stop();
        await o.store.close();
      }
      await jwks?.close();
      await fx?.close();
    });
    beforeEach(() => fx.reset());

    /** A router with its own counters (a fresh store prefix) and the given cost settings. */
    async function start(env: Record<string, string> = {}) {
      const store = makeStore!(`cost-test:${randomUUID()}:`);
      const config = await routerConfig({ ...fixtureRouterEnv(fx, jwks.url), ...env });
      const router = await createRouter(config, { supergraphSdl: sdl, store });
      opened.push({ router, store });
      // The budgets count where the store says: in Redis (shared), or in this process.
      expect(router.limitStats.mode).toBe(kind === 'redis' ? 'shared' : 'memory');
      return (await router.listen(0)).url;
    }

    const user = async (tenantId: string, n: number, planTier: string) =>
      bearer(
        await mint(
          userClaims({
            tenantId,
            sub: `00000000-0000-4000-8000-${tenantId.slice(-4)}0000${String(n).padStart(4, '0')}`,
            planTier,
          }),
          { key },
        ),
      );
    const costOf = (a: Answer) => (a.body.extensions as { cost?: Record<string, unknown> } | undefined)?.cost;
    const status = (a: Answer, budget: string) =>
      (costOf(a)?.throttleStatus as Record<string, Record<string, number>> | null)?.[budget];
    const expectRateLimited = (a: Answer, policy: string) => {
      expect(a.status, a.text).toBe(429);
      expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', policy });
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    };

    it('an operation over OPERATION_MAX_COST is refused with 400 COST_LIMIT_EXCEEDED; no subgraph called, no budget spent', async () => {
      const url = await start({ OPERATION_MAX_COST: '30' });
      const auth = await user(TENANT_A, 1, 'starter');
      // 20 + 10 = 30: at the maximum, it runs.
      const at = await post(url, { query: `{ a: jobs { id createdBy { id } } b: jobs { id } }` }, auth);
      expect(at.status, at.text).toBe(200);
      expect(costOf(at)).toMatchObject({ requestedQueryCost: 30, maximumAvailable: 30 });
      const spent = status(at, 'user')!.currentlyAvailable;
      fx.reset();

      const over = await post(
        url,
        { query: `{ a: jobs { id createdBy { id } } b: jobs { id } c: jobs { id } }` },
        auth,
      );
      expect(over.status).toBe(400);
      expect(over.body.errors?.[0]?.extensions).toMatchObject({
        code: 'COST_LIMIT_EXCEEDED',
        cost: { requested: 40, maximum: 30 },
      });
      expect(over.body.extensions?.meta?.request_id).toBeTruthy();
      expect(costOf(over)).toEqual({ requestedQueryCost: 40, maximumAvailable: 30, throttleStatus: null });
      expect(fx.requests()).toEqual([]);

      // The same document with a variable that sizes it: leaseJobs(max: 20) = 30 passes, 21 does not.
      const internal = { 'x-internal-api-key': INTERNAL_KEY };
      expect((await post(url, { query: LEASE, variables: { max: 20 } }, internal)).status).toBe(200);
      fx.reset();
      const lease = await post(url, { query: LEASE, variables: { max: 21 } }, internal);
      expect(lease.status).toBe(400);
      expect(lease.body.errors?.[0]?.extensions).toMatchObject({ cost: { requested: 31, maximum: 30 } });
      expect(fx.requests()).toEqual([]);

      // Nothing of the refused operation was taken from the user's budget.
      const after = await post(url, { query: '{ __typename }' }, auth);
      expect(costOf(after)?.requestedQueryCost).toBe(0);
      expect(status(after, 'user')!.currentlyAvailable).toBe(spent);
    });

    it('extensions.cost reports the cost and both budgets, Shopify-style', async () => {
      const url = await start({
        COST_BUDGETS: JSON.stringify({ windowSeconds: 60, tiers: { starter: { tenant: 5000, user: 2000 } } }),
      });
      const a = await post(url, { query: JOBS_20 }, await user(TENANT_A, 1, 'starter'));
      expect(a.status, a.text).toBe(200);
      expect(a.body.extensions?.meta?.tenant_id).toBe(TENANT_A);
      const cost = costOf(a)!;
      expect(cost).toMatchObject({
        requestedQueryCost: 20,
        maximumAvailable: 1000,
        throttleStatus: {
          tenant: { maximumAvailable: 5000, currentlyAvailable: 4980, windowSeconds: 60 },
          user: { maximumAvailable: 2000, currentlyAvailable: 1980, windowSeconds: 60 },
        },
      });
      for (const b of ['tenant', 'user']) {
        expect(status(a, b)!.resetSeconds).toBeGreaterThan(0);
        expect(status(a, b)!.resetSeconds).toBeLessThanOrEqual(60);
      }
      // A zero-cost operation spends nothing and still reports the budgets.
      const free = await post(url, { query: '{ __typename }' }, await user(TENANT_A, 2, 'starter'));
      expect(costOf(free)).toMatchObject({
        requestedQueryCost: 0,
        throttleStatus: { tenant: { currentlyAvailable: 4980 }, user: { currentlyAvailable: 2000 } },
      });
      // GET: the same report.
      const get = await fetch(`${url}?query=${encodeURIComponent(JOBS_10)}`, {
        headers: { ...(await user(TENANT_A, 3, 'starter')), 'apollo-require-preflight': 'true' },
      });
      expect(get.status).toBe(200);
      expect(((await get.json()) as { extensions: { cost: unknown } }).extensions.cost).toMatchObject({
        requestedQueryCost: 10,
        throttleStatus: { tenant: { currentlyAvailable: 4970 }, user: { currentlyAvailable: 1990 } },
      });
      // An unknown plan tier is given free's budgets; the response's errors keep extensions.cost too.
      const unknown = await post(
        url,
        { query: '{ failing(code: "NOT_FOUND") { id } }' },
        await user(TENANT_B, 1, 'platinum'),
      );
      expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(costOf(unknown)).toMatchObject({
        requestedQueryCost: 1,
        throttleStatus: {
          tenant: { maximumAvailable: DEFAULT_COST_BUDGETS.tiers.free!.tenant },
          user: { maximumAvailable: DEFAULT_COST_BUDGETS.tiers.free!.user },
        },
      });
    });

    it('two tenants on different plans exhaust and refill their budgets independently', async () => {
      const url = await start({
        OPERATION_MAX_COST: '20',
        COST_BUDGETS: JSON.stringify({
          windowSeconds: 2,
          tiers: { starter: { tenant: 40, user: 40 }, professional: { tenant: 100, user: 100 } },
        }),
      });
      const a = await user(TENANT_A, 1, 'starter');
      const b = await user(TENANT_B, 1, 'professional');
      // Starter tenant A: 40 points = two operations of 20; the third is refused before any subgraph.
      expect((await post(url, { query: JOBS_20 }, a)).status).toBe(200);
      expect((await post(url, { query: JOBS_20 }, a)).status).toBe(200);
      fx.reset();
      const refused = await post(url, { query: JOBS_20 }, a);
      expectRateLimited(refused, 'cost.tenant.starter');
      expect(refused.body.errors?.[0]?.message).toMatch(/tenant's \(plan starter\) cost budget of 40 points per 2 s/);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ limit: 40, window: 2 });
      expect(fx.requests()).toEqual([]);

      // Professional tenant B is untouched by A's exhaustion: five operations of 20.
      for (let i = 0; i < 5; i++) expect((await post(url, { query: JOBS_20 }, b)).status).toBe(200);
      const bRefused = await post(url, { query: JOBS_20 }, b);
      expectRateLimited(bRefused, 'cost.tenant.professional');

      // After the window A's budget is whole again (and so is B's).
      await sleep(Number(refused.headers.get('retry-after')) * 1000 + 200);
      const again = await post(url, { query: JOBS_20 }, a);
      expect(again.status, again.text).toBe(200);
      expect(status(again, 'tenant')).toMatchObject({ maximumAvailable: 40, currentlyAvailable: 20 });
      await sleep(Number(bRefused.headers.get('retry-after')) * 1000 + 200);
      expect((await post(url, { query: JOBS_20 }, b)).status).toBe(200);
    });

    it("a user's budget refuses alone; the tenant's points are given back (all or nothing)", async () => {
      const url = await start({
        OPERATION_MAX_COST: '20',
        COST_BUDGETS: JSON.stringify({ windowSeconds: 60, tiers: { starter: { tenant: 100, user: 40 } } }),
      });
      const u1 = await user(TENANT_A, 1, 'starter');
      const u2 = await user(TENANT_A, 2, 'starter');
      expect((await post(url, { query: JOBS_20 }, u1)).status).toBe(200);
      expect((await post(url, { query: JOBS_20 }, u1)).status).toBe(200);
      fx.reset();
      expectRateLimited(await post(url, { query: JOBS_20 }, u1), 'cost.user.starter');
      expectRateLimited(await post(url, { query: JOBS_10 }, u1), 'cost.user.starter');
      expect(fx.requests()).toEqual([]);
      // The tenant paid for u1's two operations only: 100 - 40 - this 20.
      const other = await post(url, { query: JOBS_20 }, u2);
      expect(other.status).toBe(200);
      expect(costOf(other)).toMatchObject({
        throttleStatus: { tenant: { currentlyAvailable: 40 }, user: { currentlyAvailable: 20 } },
      });
      // The tenant's budget refuses the next user; that user's own budget keeps its points.
      const u3 = await user(TENANT_A, 3, 'starter');
      expect((await post(url, { query: JOBS_20 }, u2)).status).toBe(200);
      expect((await post(url, { query: JOBS_20 }, u3)).status).toBe(200);
      expectRateLimited(await post(url, { query: JOBS_20 }, u3), 'cost.tenant.starter');
      const peek = await post(url, { query: '{ __typename }' }, u3);
      expect(costOf(peek)).toMatchObject({
        throttleStatus: { tenant: { currentlyAvailable: 0 }, user: { currentlyAvailable: 20 } },
      });
    });

    it('anonymous callers spend a budget per client address', async () => {
      const url = await start({ OPERATION_MAX_COST: '20', COST_BUDGETS: JSON.stringify({ anonymous: 30 }) });
      for (let i = 0; i < 2; i++) {
        const a = await post(url, { query: LOGIN });
        expect(a.status, a.text).toBe(200);
        expect(costOf(a)).toMatchObject({
          requestedQueryCost: 11,
          throttleStatus: { client: { maximumAvailable: 30 } },
        });
      }
      fx.reset();
      expectRateLimited(await post(url, { query: LOGIN }), 'cost.anonymous');
      expect(fx.requests()).toEqual([]);
      // A user is counted elsewhere.
      expect((await post(url, { query: JOBS_10 }, await user(TENANT_A, 1, 'starter'))).status).toBe(200);
    });

    it('internal callers are unlimited by default, or spend their own budget when one is set', async () => {
      const internal = { 'x-internal-api-key': INTERNAL_KEY };
      const open = await start();
      for (let i = 0; i < 3; i++) {
        const a = await post(open, { query: LEASE, variables: { max: 100 } }, internal);
        expect(a.status, a.text).toBe(200);
        expect(costOf(a)).toEqual({ requestedQueryCost: 110, maximumAvailable: 1000, throttleStatus: null });
      }
      const limited = await start({ COST_BUDGETS: JSON.stringify({ internal: 1000 }) });
      const first = await post(limited, { query: LEASE, variables: { max: 400 } }, internal);
      expect(costOf(first)).toMatchObject({
        requestedQueryCost: 410,
        throttleStatus: { internal: { maximumAvailable: 1000, currentlyAvailable: 590 } },
      });
      expect((await post(limited, { query: LEASE, variables: { max: 400 } }, internal)).status).toBe(200);
      expectRateLimited(await post(limited, { query: LEASE, variables: { max: 400 } }, internal), 'cost.internal');
      // A smaller page still fits in what is left (180): the refused 410 was not kept.
      expect((await post(limited, { query: LEASE, variables: { max: 100 } }, internal)).status).toBe(200);
    });

    it('arguments with @cost add their weight; requireOneSlicingArgument is refused with 400', async () => {
      const url = await start();
      const auth = await user(TENANT_A, 1, 'professional');
      const plain = await post(url, { query: 'mutation { enqueueJob(type: "email") { id } }' }, auth);
      expect(costOf(plain)?.requestedQueryCost).toBe(11);
      const weighed = await post(
        url,
        { query: 'mutation { enqueueJob(type: "email", payload: {a: 1}) { id } }' },
        auth,
      );
      expect(costOf(weighed)?.requestedQueryCost).toBe(15);
      // leaseJobs requires its one slicing argument; a document without it is invalid anyway,
      // and the cost rules answer first with a 400.
      fx.reset();
      const none = await post(url, { query: 'mutation { leaseJobs { id } }' }, { 'x-internal-api-key': INTERNAL_KEY });
      expect(none.status).toBe(400);
      expect(none.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(fx.requests()).toEqual([]);
    });
  });
}

describe('cost settings', () => {
  it('COST_BUDGETS merges onto the defaults and is validated', async () => {
    const config = await routerConfig({ COST_BUDGETS: '{"tiers":{"starter":{"tenant":123456}},"internal":5000}' });
    expect(config.COST_BUDGETS.tiers.starter).toEqual({
      tenant: 123456,
      user: DEFAULT_COST_BUDGETS.tiers.starter!.user,
    });
    expect(config.COST_BUDGETS.tiers.enterprise).toEqual(DEFAULT_COST_BUDGETS.tiers.enterprise);
    expect(config.COST_BUDGETS.internal).toBe(5000);
    expect((await routerConfig()).COST_BUDGETS).toEqual(DEFAULT_COST_BUDGETS);
    await expect(routerConfig({ COST_BUDGETS: 'not json' })).rejects.toThrow(/COST_BUDGETS.*must be JSON/s);
    await expect(routerConfig({ COST_BUDGETS: '{"tiers":{"gold":{"tenant":5000}}}' })).rejects.toThrow(/"gold" is new/);
    await expect(routerConfig({ COST_BUDGETS: '{"windowSecs":5}' })).rejects.toThrow(/COST_BUDGETS/);
    await expect(routerConfig({ COST_BUDGETS: '{"anonymous":0}' })).rejects.toThrow(/anonymous/);
    // Every budget holds at least one operation of the maximum cost.
    await expect(routerConfig({ OPERATION_MAX_COST: '5000' })).rejects.toThrow(/anonymous \(1000 points\) must hold/);
  });
});
