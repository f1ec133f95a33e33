// Limits declared with the operation, through the router over HTTP against the fixture subgraphs:
// Mutation.importJobs at 10 per hour per user (seed 004's bulk import), importTenantJobs per
// tenant and per argument value, Job.report nested per client address, and the fixture login's
// @lockout (3 failures, lock 2 s doubling up to 8 s, 10 failures per address). Every refusal
// asserts its code and that no subgraph was called. Client addresses come from X-Forwarded-For
// (TRUSTED_PROXIES=loopback), so each test counts on addresses of its own.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '@eventzr/lib/config';
import { redisStore, type SharedStore } from '@eventzr/lib/store';
import {
  TENANT_A,
  TENANT_B,
  WRONG_PASSWORD,
  bearer,
  composeFixtureSupergraph,
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
import { SupergraphError } from '../supergraph.ts';
import { declaredLimitsOf } from './declared.ts';
import { argumentKey, limitedSelections, lockSeconds } from './field-limits.ts';

let fx: Fixtures;
let jwks: JwksServer;
let key: SigningKey;
let router: Router;
let url: string;

beforeAll(async () => {
  [fx, key] = await Promise.all([startFixtures(), rsaKey('key-1')]);
  jwks = await startJwksServer([key.publicJwk]);
  const config = await routerConfig({ ...fixtureRouterEnv(fx, jwks.url), TRUSTED_PROXIES: 'loopback' });
  router = await createRouter(config, { supergraphSdl: fx.supergraphSdl });
  url = (await router.listen(0)).url;
});
afterAll(async () => {
  await router?.stop();
  await jwks?.close();
  await fx?.close();
});
beforeEach(() => fx.reset());

let n = 0;
/** A user of its own (or of `tenantId`), and a client address of its own. */
const freshUser = async (tenantId = TENANT_A) => {
  n++;
  const sub = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { token: await mint(userClaims({ sub, tenantId }), { key }), ip: `10.1.0.${n}` };
};
const ask = (query: string, variables: Record<string, unknown>, token: string | undefined, ip: string) =>
  post(url, { query, variables }, { ...(token ? bearer(token) : {}), 'x-forwarded-for': ip });
const calls = (field: string) => fx.calls().filter((c) => c.field === field).length;
const code = (a: Answer) => a.body.errors?.[0]?.extensions?.code;

const IMPORT = 'mutation ($s: String!) { importJobs(input: { source: $s }) }';
const TENANT_IMPORT = 'mutation ($s: String!) { importTenantJobs(source: $s) }';

function expectRateLimited(a: Answer, limit: number, window: number) {
  expect(a.status).toBe(429);
  expect(code(a)).toBe('RATE_LIMITED');
  const ext = a.body.errors![0]!.extensions!;
  expect(ext).toMatchObject({ limit, window });
  expect(ext.retryAfter).toBeGreaterThan(0);
  expect(ext.retryAfter).toBeLessThanOrEqual(window);
  expect(a.headers.get('retry-after')).toBe(String(ext.retryAfter));
}

describe('declared limits read from the supergraph', () => {
  it('maps each declared field to its counters, and an interface-free nested field too', () => {
    const d = declaredLimitsOf(fx.supergraphSdl);
    expect([...d.fields.keys()].sort()).toEqual([
      'Job.report',
      'Mutation.importJobs',
      'Mutation.importTenantJobs',
      'Mutation.login',
    ]);
    expect(d.fields.get('Mutation.importJobs')!.rateLimits).toMatchObject([
      { requests: 10, window: 3600, per: 'USER', policy: { name: 'field:mutation.importjobs:user', points: 10 } },
    ]);
    expect(d.fields.get('Mutation.importTenantJobs')!.rateLimits.map((r) => [r.per, r.argument])).toEqual([
      ['TENANT', undefined],
      ['ARGUMENT', ['source']],
    ]);
    expect(d.fields.get('Mutation.login')!.lockout).toMatchObject({
      argument: ['input', 'email'],
      failures: 3,
      lock: 2,
      maxLock: 8,
      addressFailures: 10,
    });
  });

  it('refuses to start on a declaration it cannot enforce', () => {
    const bad = fx.supergraphSdl.replace('argument: "source"', 'argument: "input.source"');
    expect(() => declaredLimitsOf(bad)).toThrow(SupergraphError);
    expect(() => declaredLimitsOf(bad)).toThrow(/the field has no argument "input"/);
    const window0 = fx.supergraphSdl.replace(
      '@rateLimit(requests: 10, window: 3600)',
      '@rateLimit(requests: 10, window: 0)',
    );
    expect(() => declaredLimitsOf(window0)).toThrow(/window must be at least 1/);
    const otherVersion = fx.supergraphSdl.replace('https://eventzr.dev/limits/v0.1', 'https://eventzr.dev/limits/v0.2');
    expect(() => declaredLimitsOf(otherVersion)).toThrow(/enforces https:\/\/eventzr.dev\/limits\/v0.1/);
  });

  it('counts each selection once per response path, each alias apart, through fragments and @skip', () => {
    const d = declaredLimitsOf(composeFixtureSupergraph());
    const count = (query: string, variables: Record<string, unknown> = {}) => {
      const document = parse(query);
      const definition = document.definitions.find((x) => x.kind === 'OperationDefinition')!;
      return limitedSelections(d, { document, definition: definition as never }, variables).map((s) =>
        s.path.join('.'),
      );
    };
    expect(count('{ jobs { report } }')).toEqual(['jobs.report']);
    expect(count('{ jobs { report ...F ... on Job { report } } } fragment F on Job { report }')).toEqual([
      'jobs.report',
    ]);
    expect(count('{ jobs { a: report b: report } }')).toEqual(['jobs.a', 'jobs.b']);
    expect(count('{ x: jobs { report } y: jobs { report } }')).toEqual(['x.report', 'y.report']);
    expect(count('query ($s: Boolean!) { jobs { report @skip(if: $s) } }', { s: true })).toEqual([]);
    expect(count('query ($s: Boolean!) { jobs { report @skip(if: $s) } }', { s: false })).toEqual(['jobs.report']);
    expect(count('{ jobs { id } }')).toEqual([]);
    // A fragment that spreads itself is not followed forever (validation refuses it later).
    expect(count('{ jobs { ...F } } fragment F on Job { report ...F }')).toEqual(['jobs.report']);
  });

  it('locks a pair out for a doubling time from the failures-th failure on, up to maxLock', () => {
    const l = { failures: 5, lock: 60, maxLock: 3600 };
    expect([1, 4, 5, 6, 7, 10, 11, 50, 5000].map((c) => lockSeconds(l, c))).toEqual([
      0, 0, 60, 120, 240, 1920, 3600, 3600, 3600,
    ]);
  });

  it('keys argument values by a hash of their normalised form', () => {
    expect(argumentKey('  Victim@Example.COM ')).toBe(argumentKey('victim@example.com'));
    expect(argumentKey('victim@example.com')).not.toContain('victim');
    expect(argumentKey('a@example.com')).not.toBe(argumentKey('b@example.com'));
  });
});

describe('@rateLimit through the router', () => {
  it('Mutation.importJobs: the 11th call in the hour is refused for that user only, with no subgraph call', async () => {
    const a = await freshUser();
    for (let i = 0; i < 10; i++) {
      const ok = await ask(IMPORT, { s: `s${i}` }, a.token, a.ip);
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.data).toEqual({ importJobs: 1 });
    }
    expect(calls('importJobs')).toBe(10);
    const refused = await ask(IMPORT, { s: 'x' }, a.token, a.ip);
    expectRateLimited(refused, 10, 3600);
    expect(refused.body.errors![0]!.extensions!.policy).toBe('field:mutation.importjobs:user');
    expect(calls('importJobs')).toBe(10);
    // Another user (from the same address) is not affected.
    const b = await freshUser();
    expect((await ask(IMPORT, { s: 'x' }, b.token, a.ip)).body.data).toEqual({ importJobs: 1 });
    expect(calls('importJobs')).toBe(11);
  });

  it('counts each alias, all or nothing: a request that would go over takes nothing', async () => {
    const a = await freshUser();
    const twice = 'mutation { a: importJobs(input: { source: "a" }) b: importJobs(input: { source: "b" }) }';
    for (let i = 0; i < 4; i++) expect((await ask(twice, {}, a.token, a.ip)).status).toBe(200);
    expect((await ask(IMPORT, { s: 'one' }, a.token, a.ip)).status).toBe(200); // 9 of 10
    fx.reset();
    // Two more would make 11: refused whole, and the 10th point is still there afterwards.
    expectRateLimited(await ask(twice, {}, a.token, a.ip), 10, 3600);
    expect(calls('importJobs')).toBe(0);
    expect((await ask(IMPORT, { s: 'last' }, a.token, a.ip)).body.data).toEqual({ importJobs: 1 });
    expectRateLimited(await ask(IMPORT, { s: 'over' }, a.token, a.ip), 10, 3600);
  });

  it('per TENANT: the users of one tenant share the 10, another tenant has its own', async () => {
    const users = await Promise.all([freshUser(TENANT_B), freshUser(TENANT_B), freshUser(TENANT_B)]);
    for (let i = 0; i < 10; i++) {
      const u = users[i % 3]!;
      expect((await ask(TENANT_IMPORT, { s: `b-${i}` }, u.token, u.ip)).status).toBe(200);
    }
    for (const u of users) expectRateLimited(await ask(TENANT_IMPORT, { s: 'b-x' }, u.token, u.ip), 10, 3600);
    expect(calls('importTenantJobs')).toBe(10);
    const other = await freshUser(TENANT_A);
    expect((await ask(TENANT_IMPORT, { s: 'a-1' }, other.token, other.ip)).body.data).toEqual({ importTenantJobs: 1 });
  });

  it('per ARGUMENT: the value counts, trimmed and case-folded, whoever sends it', async () => {
    const [a, b] = [await freshUser(), await freshUser()];
    const source = `feed-${n}`;
    expect((await ask(TENANT_IMPORT, { s: source }, a.token, a.ip)).status).toBe(200);
    expect((await ask(TENANT_IMPORT, { s: `  ${source.toUpperCase()} ` }, b.token, b.ip)).status).toBe(200);
    expect((await ask(`mutation { importTenantJobs(source: "${source}") }`, {}, b.token, b.ip)).status).toBe(200);
    expectRateLimited(await ask(TENANT_IMPORT, { s: source }, a.token, a.ip), 3, 60);
    // The tenant counter got back the point the refused request took.
    expect((await ask(TENANT_IMPORT, { s: `${source}-other` }, a.token, a.ip)).status).toBe(200);
  });

  it('a nested field counts once per selection (not per list item), per client address', async () => {
    const a = await freshUser();
    const nested = '{ jobs { id report } }'; // two jobs, one selection
    for (let i = 0; i < 5; i++) {
      const served = await ask(nested, {}, a.token, a.ip);
      expect(served.status).toBe(200);
      expect((served.body.data as { jobs: unknown[] }).jobs).toHaveLength(2);
    }
    // The refused request calls no subgraph (counted around it: the 5 served ran theirs).
    const before = calls('jobs');
    const refused = await ask(nested, {}, a.token, a.ip);
    expectRateLimited(refused, 5, 60);
    expect(calls('jobs')).toBe(before);
    // Another address is not affected; without the limited field nothing is counted.
    expect((await ask(nested, {}, a.token, '10.9.9.9')).status).toBe(200);
    expect((await ask('{ jobs { id } }', {}, a.token, a.ip)).status).toBe(200);
  });

  it('a GET query counts the same way, its variables read from the query string', async () => {
    const a = await freshUser();
    const get = async (skip: boolean) => {
      const q = new URLSearchParams({
        query: 'query ($skip: Boolean!) { jobs { report @skip(if: $skip) } }',
        variables: JSON.stringify({ skip }),
      });
      const res = await fetch(`${url}?${q}`, {
        headers: { ...bearer(a.token), 'x-forwarded-for': a.ip, 'apollo-require-preflight': 'true' },
      });
      return { status: res.status, body: (await res.json()) as Answer['body'] };
    };
    for (let i = 0; i < 5; i++) expect((await get(false)).status).toBe(200);
    const refused = await get(false);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 5, window: 60 });
    // Skipped, the field is not selected: nothing to count.
    expect((await get(true)).status).toBe(200);
  });
});

describe('@lockout through the router (fixture login: 3 failures, lock 2 s doubling to 8 s)', () => {
  const LOGIN = 'mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { accessToken } }';
  const login = (email: string, password: string, ip: string) => ask(LOGIN, { e: email, p: password }, undefined, ip);

  it('locks the (account, address) pair out after 3 failures; another address still logs in', async () => {
    const email = `victim-${n++}@example.com`;
    for (let i = 0; i < 3; i++) expect(code(await login(email, WRONG_PASSWORD, '10.2.0.1'))).toBe('UNAUTHENTICATED');
    fx.reset();
    const locked = await login(email, 'right', '10.2.0.1');
    expect(locked.status).toBe(429);
    expect(code(locked)).toBe('RATE_LIMITED');
    expect(locked.body.errors![0]!.extensions!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(locked.body.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(2);
    expect(calls('login')).toBe(0);
    // The same account from elsewhere, and another account from the locked address: not affected.
    expect((await login(email, 'right', '10.2.0.2')).body.data).toEqual({
      login: { accessToken: `token-for-${email}` },
    });
    expect((await login(`other-${email}`, 'right', '10.2.0.1')).status).toBe(200);
  });

  it('the lockout grows with each failure after it; a success resets the pair', async () => {
    const email = `grow-${n++}@example.com`;
    const ip = '10.3.0.1';
    for (let i = 0; i < 3; i++) await login(email, WRONG_PASSWORD, ip);
    const first = (await login(email, WRONG_PASSWORD, ip)).body.errors![0]!.extensions!;
    expect(first.retryAfter).toBe(2);
    await sleep(2100);
    expect(code(await login(email, WRONG_PASSWORD, ip))).toBe('UNAUTHENTICATED'); // 4th failure: 4 s
    expect((await login(email, 'right', ip)).body.errors![0]!.extensions!.retryAfter).toBe(4);
    await sleep(4100);
    // Unlocked: the right password logs in and forgets the run of failures.
    expect((await login(email, 'right', ip)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect(code(await login(email, WRONG_PASSWORD, ip))).toBe('UNAUTHENTICATED');
    expect((await login(email, 'right', ip)).status).toBe(200);
  }, 20_000);

  it('blocks an address after 10 failures across accounts, for every account, and only that address', async () => {
    const ip = '10.4.0.1';
    for (let i = 0; i < 10; i++)
      expect(code(await login(`spray-${i}-${n}@example.com`, WRONG_PASSWORD, ip))).toBe('UNAUTHENTICATED');
    const blocked = await login(`fresh-${n}@example.com`, 'right', ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 10, window: 3600 });
    expect((await login(`fresh-${n}@example.com`, 'right', '10.4.0.2')).status).toBe(200);
    expect(router.fieldLimitStats.lockedOut).toBeGreaterThan(0);
  });
});

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

describe.skipIf(!redisUrl)('two routers on one Redis (TEST_REDIS_URL)', () => {
  const prefix = `declared-test:${randomUUID()}:`;
  const stores: SharedStore[] = [];
  const urls: string[] = [];
  const routers: Router[] = [];
  beforeAll(async () => {
    const config = await routerConfig({ ...fixtureRouterEnv(fx, jwks.url), TRUSTED_PROXIES: 'loopback' });
    for (let i = 0; i < 2; i++) {
      const store = redisStore({ url: redisUrl!, prefix });
      stores.push(store);
      const r = await createRouter(config, { supergraphSdl: fx.supergraphSdl, store });
      routers.push(r);
      urls.push((await r.listen(0)).url);
    }
  });
  afterAll(async () => {
    await Promise.all(routers.map((r) => r.stop()));
    await Promise.all(stores.map((s) => s.close()));
  });
  const via = (i: number, query: string, variables: Record<string, unknown>, token: string | undefined, ip: string) =>
    post(urls[i]!, { query, variables }, { ...(token ? bearer(token) : {}), 'x-forwarded-for': ip });

  it('a call a later stage refuses (cost) gives its declared points back: it never ran', async () => {
    // A third router on the same counters, refusing every mutation over a maximum cost of 5.
    const store = redisStore({ url: redisUrl!, prefix });
    stores.push(store);
    const config = await routerConfig({
      ...fixtureRouterEnv(fx, jwks.url),
      TRUSTED_PROXIES: 'loopback',
      OPERATION_MAX_COST: '5',
    });
    const strict = await createRouter(config, { supergraphSdl: fx.supergraphSdl, store });
    routers.push(strict);
    const strictUrl = (await strict.listen(0)).url;
    const a = await freshUser();
    for (let i = 0; i < 12; i++) {
      const refused = await post(
        strictUrl,
        { query: IMPORT, variables: { s: `c${i}` } },
        {
          ...bearer(a.token),
          'x-forwarded-for': a.ip,
        },
      );
      expect(code(refused)).toBe('COST_LIMIT_EXCEEDED');
    }
    expect(calls('importJobs')).toBe(0);
    // The ten calls per hour are all still there.
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await via(i % 2, IMPORT, { s: `d${i}` }, a.token, a.ip));
    expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
    expectRateLimited(answers[10]!, 10, 3600);
  });

  it('share one exact declared limit and one lockout; the store holds no email in clear', async () => {
    const a = await freshUser();
    const answers = await Promise.all(
      Array.from({ length: 14 }, (_, i) => via(i % 2, IMPORT, { s: `r${i}` }, a.token, a.ip)),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(10);
    expect(answers.filter((r) => code(r) === 'RATE_LIMITED')).toHaveLength(4);

    const email = `Redis.Victim-${n}@Example.com`;
    const LOGIN = 'mutation ($e: String!, $p: String!) { login(input: { email: $e, password: $p }) { accessToken } }';
    for (let i = 0; i < 3; i++)
      expect(code(await via(i % 2, LOGIN, { e: email, p: WRONG_PASSWORD }, undefined, '10.5.0.1'))).toBe(
        'UNAUTHENTICATED',
      );
    for (const i of [0, 1])
      expect((await via(i, LOGIN, { e: email, p: 'right' }, undefined, '10.5.0.1')).status).toBe(429);
    expect((await via(1, LOGIN, { e: email, p: 'right' }, undefined, '10.5.0.2')).status).toBe(200);
    expect(routers.every((r) => r.limitStats.mode === 'shared')).toBe(true);

    const redis = stores[0]!.redis!;
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join('\n').toLowerCase()).not.toContain('victim');
    expect(keys.some((k) => k.includes('lockout:mutation.login:failures'))).toBe(true);
  });
});
