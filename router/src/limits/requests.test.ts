// Request rate limits at the router (limits/requests.ts), over HTTP against the real fixture
// subgraphs: per user, per anonymous client address, per internal credential; the headers on
// every answer; 429 with no subgraph call; a flood of bad tokens limited; the Idempotency-Key
// plugin never saving a 429. Subgraph work is counted with the fixtures' Recorder.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@eventzr/lib/config';
import { memoryStore } from '@eventzr/lib/store';
import {
  DEV_SECRET,
  INTERNAL_KEY,
  TENANT_A,
  TENANT_B,
  bearer,
  mint,
  post,
  routerConfig,
  userClaims,
  type Answer,
  type Fixtures,
  type SigningKey,
} from '../__fixtures__/fixtures.ts';
import { routerEnvSchema } from '../config.ts';
import { fixtureRouters } from '../__fixtures__/harness.ts';
import type { RouterOptions } from '../router.ts';
import { addressKey } from './requests.ts';

const ME = 'query Me { me { id } }';
const JOBS = 'query Jobs { jobs { id } }';
const WORKERS = 'query Workers { workers { id } }';
const FAILING = 'query Failing($code: String!) { failing(code: $code) { id } }';
const TYPENAME = 'query Anonymous { __typename }';
const LEASE = 'mutation Lease { leaseJobs(max: 1) { id } }';
const ENQUEUE = 'mutation Enqueue($type: String!) { enqueueJob(type: $type) { id type } }';

/** Seed 004's defaults, whatever the fixtures' router configuration raises them to. */
const SEED_DEFAULTS = {
  RATE_LIMIT_USER_REQUESTS: undefined,
  RATE_LIMIT_ANONYMOUS_REQUESTS: undefined,
  RATE_LIMIT_INTERNAL_REQUESTS: undefined,
  RATE_LIMIT_WINDOW_SECONDS: undefined,
};

const routers = fixtureRouters({ keyId: 'rl' });
let fx: Fixtures;
let key: SigningKey;
beforeAll(() => {
  ({ fx, key } = routers);
});

async function start(env: Record<string, string | undefined>, opts: RouterOptions = {}) {
  const started = await routers.start(env, opts);
  return { ...started, base: started.url.replace(/\/graphql$/, '') };
}

const userToken = (over: Parameters<typeof userClaims>[0] = {}) => mint(userClaims(over), { key });
const rateHeaders = (a: Answer) => ({
  limit: a.headers.get('x-ratelimit-limit'),
  remaining: a.headers.get('x-ratelimit-remaining'),
  policy: a.headers.get('ratelimit-policy'),
});

/** Sends `n` requests one after another; their answers. */
async function times(n: number, send: () => Promise<Answer>): Promise<Answer[]> {
  const out: Answer[] = [];
  for (let i = 0; i < n; i++) out.push(await send());
  return out;
}

describe('configuration', () => {
  it("defaults to seed 004's limits per minute, and refuses limits that are not positive integers", async () => {
    const c = await routerConfig(SEED_DEFAULTS);
    expect(c).toMatchObject({
      RATE_LIMIT_WINDOW_SECONDS: 60,
      RATE_LIMIT_USER_REQUESTS: 100,
      RATE_LIMIT_ANONYMOUS_REQUESTS: 10,
      RATE_LIMIT_INTERNAL_REQUESTS: 6000,
    });
    expect(() =>
      parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: DEV_SECRET, RATE_LIMIT_USER_REQUESTS: '0' }),
    ).toThrow(/RATE_LIMIT_USER_REQUESTS/);
    expect(() =>
      parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: DEV_SECRET, RATE_LIMIT_WINDOW_SECONDS: '1.5' }),
    ).toThrow(/RATE_LIMIT_WINDOW_SECONDS/);
  });
});

describe('the client address an anonymous caller is counted by', () => {
  it('is the IPv4 address (also IPv4-mapped), and an IPv6 address’s /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
  });
});

describe('per authenticated user (seed 004: 100 per minute)', () => {
  it('answers 100 requests with counting headers, then 429 RATE_LIMITED with no subgraph call', async () => {
    const { url } = await start(SEED_DEFAULTS);
    const auth = bearer(await userToken());
    const answers = await times(100, () => post(url, { query: ME }, auth));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    expect(answers.map((a) => Number(a.headers.get('x-ratelimit-remaining')))).toEqual(
      Array.from({ length: 100 }, (_, i) => 99 - i),
    );
    const first = answers[0]!;
    expect(rateHeaders(first)).toEqual({ limit: '100', remaining: '99', policy: '"requests.user";q=100;w=60' });
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    const nowSec = Date.now() / 1000;
    expect(reset).toBeGreaterThan(nowSec);
    expect(reset).toBeLessThanOrEqual(Math.ceil(nowSec) + 60);
    expect(first.headers.get('ratelimit')).toMatch(/^"requests\.user";r=99;t=(60|59|58|57)$/);
    expect(fx.calls().filter((c) => c.field === 'me')).toHaveLength(100);

    fx.reset();
    const refused = await post(url, { query: ME }, auth);
    expect(refused.status).toBe(429);
    expect(fx.requests()).toHaveLength(0);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(rateHeaders(refused)).toEqual({ limit: '100', remaining: '0', policy: '"requests.user";q=100;w=60' });
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      {
        message: `Rate limit exceeded. Try again in ${retryAfter} seconds.`,
        extensions: {
          code: 'RATE_LIMITED',
          retryAfter,
          limit: 100,
          window: 60,
          policy: 'requests.user',
          requestId: refused.body.extensions!.meta!.request_id,
        },
      },
    ]);
    expect(refused.body.extensions?.meta?.tenant_id).toBe(TENANT_A);
    // refused requests count too (a fixed window): still refused, still nothing called
    const again = await post(url, { query: JOBS }, auth);
    expect(again.status).toBe(429);
    expect(fx.requests()).toHaveLength(0);
  });

  it('counts each user on their own: another user, and the same user id in another tenant, are not affected', async () => {
    const { url } = await start({ RATE_LIMIT_USER_REQUESTS: '3' });
    const sub = randomUUID();
    const a = bearer(await userToken({ sub, tenantId: TENANT_A }));
    const sameIdOtherTenant = bearer(await userToken({ sub, tenantId: TENANT_B }));
    const other = bearer(await userToken({ sub: randomUUID(), tenantId: TENANT_A }));
    expect((await times(4, () => post(url, { query: ME }, a))).map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect((await times(3, () => post(url, { query: ME }, sameIdOtherTenant))).map((r) => r.status)).toEqual([
      200, 200, 200,
    ]);
    expect((await post(url, { query: ME }, other)).status).toBe(200);
    expect(fx.calls().filter((c) => c.field === 'me')).toHaveLength(3 + 3 + 1);
  });

  it('counts one user once, whichever trusted issuer vouched for them', async () => {
    const { url } = await start({ RATE_LIMIT_USER_REQUESTS: '4' });
    const sub = randomUUID();
    const viaAuth = bearer(await userToken({ sub }));
    const viaDev = bearer(
      await mint(userClaims({ sub }), { key: new TextEncoder().encode(DEV_SECRET), iss: 'eventzr-dev' }),
    );
    const statuses = [];
    for (const auth of [viaAuth, viaDev, viaAuth, viaDev, viaAuth])
      statuses.push((await post(url, { query: ME }, auth)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });
});

describe('per anonymous client address (seed 004: 10 per minute)', () => {
  it('answers 10 anonymous requests from one address, then 429; another address has its own 10', async () => {
    const { url } = await start({ ...SEED_DEFAULTS, TRUSTED_PROXIES: 'loopback' });
    const from = (ip: string) => () => post(url, { query: TYPENAME }, { 'x-forwarded-for': ip });
    const answers = await times(11, from('198.51.100.1'));
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual([
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
      '0',
    ]);
    expect(rateHeaders(answers[0]!).policy).toBe('"requests.anonymous";q=10;w=60');
    expect(answers[10]!.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 10, window: 60 });
    expect(answers[10]!.body.extensions?.meta?.tenant_id).toBeNull();
    // another address, and an authenticated user behind the exhausted one, are not affected
    expect((await from('198.51.100.2')()).status).toBe(200);
    const user = await post(url, { query: ME }, { ...bearer(await userToken()), 'x-forwarded-for': '198.51.100.1' });
    expect(user.status).toBe(200);
    expect(rateHeaders(user).policy).toBe('"requests.user";q=100;w=60');
  });

  it('ignores X-Forwarded-For unless TRUSTED_PROXIES trusts the peer: a spoofed header buys no new window', async () => {
    const { url } = await start({ ...SEED_DEFAULTS, TRUSTED_PROXIES: undefined });
    let n = 0;
    const answers = await times(11, () => post(url, { query: TYPENAME }, { 'x-forwarded-for': `203.0.113.${n++}` }));
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(200), 429]);
  });

  it('counts requests authentication refuses against the address, with headers: a flood of bad tokens gets 429', async () => {
    const { url } = await start({ ...SEED_DEFAULTS, TRUSTED_PROXIES: 'loopback' });
    const bad = { ...bearer('not.a.token'), 'x-forwarded-for': '192.0.2.10' };
    const answers = await times(11, () => post(url, { query: ME }, bad));
    expect(answers.map((a) => a.status)).toEqual([...Array(10).fill(401), 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual([
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
      '0',
      '0',
    ]);
    expect(answers[0]!.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(answers[10]!.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    // the same address's anonymous requests share that window; a valid user there does not
    expect((await post(url, { query: TYPENAME }, { 'x-forwarded-for': '192.0.2.10' })).status).toBe(429);
    expect(
      (await post(url, { query: ME }, { ...bearer(await userToken()), 'x-forwarded-for': '192.0.2.10' })).status,
    ).toBe(200);
    // a malformed forwarded header (400, before authentication) counts there too
    const malformed = await post(
      url,
      { query: TYPENAME },
      { 'x-forwarded-for': '192.0.2.11', 'idempotency-key': 'a b' },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(fx.calls().filter((c) => c.field === 'me')).toHaveLength(1);
  });
});

describe('per internal credential', () => {
  it('has its own configurable limit, apart from users and addresses', async () => {
    const { url } = await start({ RATE_LIMIT_INTERNAL_REQUESTS: '3', RATE_LIMIT_ANONYMOUS_REQUESTS: '2' });
    const internal = { 'x-internal-api-key': INTERNAL_KEY };
    const answers = await times(4, () => post(url, { query: LEASE }, internal));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(rateHeaders(answers[0]!)).toEqual({ limit: '3', remaining: '2', policy: '"requests.internal";q=3;w=60' });
    expect(fx.calls().filter((c) => c.field === 'leaseJobs')).toHaveLength(3);
    // the anonymous window of the same (loopback) address is untouched
    expect((await post(url, { query: TYPENAME })).headers.get('x-ratelimit-remaining')).toBe('1');
  });

  it('defaults to 6000 per minute', async () => {
    const { url } = await start(SEED_DEFAULTS);
    const a = await post(url, { query: LEASE }, { 'x-internal-api-key': INTERNAL_KEY });
    expect(rateHeaders(a)).toEqual({ limit: '6000', remaining: '5999', policy: '"requests.internal";q=6000;w=60' });
  });
});

describe('the headers on every answer after the decision', () => {
  it('on successes, GraphQL errors, gate refusals, GET, and the 429; never on health endpoints', async () => {
    const { url, base } = await start({ RATE_LIMIT_USER_REQUESTS: '5' });
    const auth = bearer(await userToken());
    const ok = await post(url, { query: JOBS }, auth);
    const graphqlError = await post(url, { query: FAILING, variables: { code: 'NOT_FOUND' } }, auth);
    const gateRefusal = await post(url, { query: WORKERS }, auth);
    const invalid = await post(url, { query: '{ nope }' }, auth);
    const get = await fetch(`${url}?query=${encodeURIComponent(JOBS)}`, {
      headers: { ...auth, 'apollo-require-preflight': 'true' },
    });
    const refused = await post(url, { query: JOBS }, auth);
    expect([ok.status, graphqlError.status, gateRefusal.status, invalid.status, get.status, refused.status]).toEqual([
      200, 200, 403, 400, 200, 429,
    ]);
    expect(graphqlError.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect(gateRefusal.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(
      [ok, graphqlError, gateRefusal, invalid, refused].map((a) => a.headers.get('x-ratelimit-remaining')),
    ).toEqual(['4', '3', '2', '1', '0']);
    expect(get.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(get.headers.get('ratelimit-policy')).toBe('"requests.user";q=5;w=60');
    // health and readiness are never limited nor counted
    for (let i = 0; i < 12; i++) {
      const h = await fetch(`${base}/healthz`);
      expect(h.status).toBe(200);
      expect(h.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-ratelimit-limit')).toBeNull();
    expect(((await ready.json()) as { limits: string }).limits).toBe('memory');
  });

  it('lets a browser script read them (CORS exposes them)', async () => {
    const { url } = await start({});
    const a = await post(url, { query: TYPENAME }, { origin: 'https://app.eventzr.example' });
    const exposed = a.headers.get('access-control-expose-headers') ?? '';
    for (const h of [
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'ratelimit',
      'ratelimit-policy',
      'retry-after',
    ])
      expect(exposed).toContain(h);
  });
});

describe('with Idempotency-Key', () => {
  it('a replay carries the headers (and counts); a 429 is never saved for replay', async () => {
    const store = memoryStore();
    try {
      const first = await start({ RATE_LIMIT_USER_REQUESTS: '2' }, { store });
      const auth = bearer(await userToken());
      const k = randomUUID();
      const send = (u: string, key: string) =>
        post(u, { query: ENQUEUE, variables: { type: 'email' } }, { ...auth, 'idempotency-key': key });
      const ran = await send(first.url, k);
      const replayed = await send(first.url, k);
      expect([ran.status, replayed.status]).toEqual([200, 200]);
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
      expect(replayed.body.data).toEqual(ran.body.data);
      expect([ran, replayed].map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['1', '0']);
      expect(fx.calls().filter((c) => c.field === 'enqueueJob')).toHaveLength(1);

      const other = randomUUID();
      const refused = await send(first.url, other);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('idempotent-replayed')).toBeNull();
      // A fresh window (another router on the same store, its counters empty): the refused key
      // runs for real: nothing was saved under it.
      const second = await start({ RATE_LIMIT_USER_REQUESTS: '2' }, { store });
      const after = await send(second.url, other);
      expect(after.status).toBe(200);
      expect(after.headers.get('idempotent-replayed')).toBeNull();
      expect(fx.calls().filter((c) => c.field === 'enqueueJob')).toHaveLength(2);
    } finally {
      await store.close();
    }
  });
});
