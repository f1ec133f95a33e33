// Idempotency-Key at the router, over HTTP against real fixture subgraphs, on the in-memory store
// and again on Redis when TEST_REDIS_URL is set (scripts/with-redis.sh). The jobs subgraph sits
// behind a gate (a small HTTP proxy the test can hold shut or make fail), so "in flight" is a
// state the test controls, not a race it hopes to win. Work is counted as resolver calls.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '@eventzr/lib/config';
import { createLogger } from '@eventzr/lib/logger';
import { memoryStore, redisStore, type SharedStore } from '@eventzr/lib/store';
import {
  INTERNAL_KEY,
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
} from './__fixtures__/fixtures.ts';
import { callerScope, idempotencyStoreKey, requestFingerprint, savable } from './idempotency.ts';
import { createRouter, type Router } from './router.ts';

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ENQUEUE = 'mutation Enqueue($type: String!) { enqueueJob(type: $type) { id type } }';
const JOBS = 'query Jobs { jobs { id } }';

// ---------------------------------------------------------------- the gate in front of jobs

interface Gate {
  url: string;
  /** Requests that reached the gate. */
  requests: number;
  /** Requests being held. */
  held: number;
  hold(): void;
  release(): void;
  /** Answer 502 instead of passing requests on (a subgraph outage). */
  failing: boolean;
  close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
  let waiting: (() => void)[] = [];
  let shut = false;
  const gate: Gate = {
    url: '',
    requests: 0,
    held: 0,
    failing: false,
    hold: () => void (shut = true),
    release() {
      shut = false;
      const w = waiting;
      waiting = [];
      for (const go of w) go();
    },
    close: async () => undefined,
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    gate.requests++;
    if (gate.failing) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      return;
    }
    if (shut) {
      gate.held++;
      await new Promise<void>((go) => waiting.push(go));
      gate.held--;
    }
    const up = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    up.end(Buffer.concat(chunks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  gate.close = () =>
    new Promise<void>((r) => {
      gate.release();
      server.close(() => r());
      server.closeAllConnections();
    });
  return gate;
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ---------------------------------------------------------------- the rules, as functions

describe('savable: which mutation responses are saved', () => {
  it('saves a success, a definite refusal of the input, and any answer that reports an effect', () => {
    expect(savable(200, { data: { enqueueJob: { id: '1' } } })).toBe(true);
    expect(savable(200, { data: null, errors: [{ message: 'x', extensions: { code: 'BAD_USER_INPUT' } }] })).toBe(true);
    expect(savable(200, { data: null, errors: [{ message: 'x', extensions: { code: 'NOT_FOUND' } }] })).toBe(true);
    expect(savable(200, { data: null, errors: [{ message: 'x', extensions: { code: 'CONFLICT' } }] })).toBe(true);
    // One root field ran (an effect), another failed: running it again would repeat the effect.
    expect(
      savable(200, {
        data: { a: { id: '1' }, b: null },
        errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      }),
    ).toBe(true);
  });

  it('does not save what never executed, refusals, limits and failures the caller may retry', () => {
    expect(savable(400, { errors: [{ message: 'x', extensions: { code: 'BAD_USER_INPUT' } }] })).toBe(false);
    for (const code of [
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'RATE_LIMITED',
      'QUOTA_EXCEEDED',
      'INSUFFICIENT_CREDITS',
      'BUDGET_EXCEEDED',
      'INTERNAL_SERVER_ERROR',
      'GRAPHQL_VALIDATION_FAILED',
    ])
      expect(savable(200, { data: null, errors: [{ message: 'x', extensions: { code } }] }), code).toBe(false);
    expect(savable(200, { data: null, errors: [{ message: 'no code' }] })).toBe(false);
    expect(savable(503, { data: null })).toBe(false);
  });

  it('scopes keys per caller and fingerprints operation text, name and canonical variables', () => {
    const user = (tenantId: string, userId = 'u1') =>
      callerScope({
        kind: 'user',
        userId,
        tenantId,
        email: '',
        name: '',
        roles: [],
        permissions: [],
        planTier: 'free',
        issuer: 'iss',
      })!;
    expect(callerScope({ kind: 'anonymous' })).toBeUndefined();
    const keys = new Set([
      idempotencyStoreKey(user('t1'), 'k'),
      idempotencyStoreKey(user('t2'), 'k'),
      idempotencyStoreKey(user('t1', 'u2'), 'k'),
      idempotencyStoreKey(
        callerScope({ kind: 'internal', service: 'scheduler', credentialId: 'pool-a', scopes: [] })!,
        'k',
      ),
      // Another credential under the same self-given service label: its own keys.
      idempotencyStoreKey(
        callerScope({ kind: 'internal', service: 'scheduler', credentialId: 'pool-b', scopes: [] })!,
        'k',
      ),
      idempotencyStoreKey(user('t1'), 'k2'),
    ]);
    expect(keys.size).toBe(6);
    expect(idempotencyStoreKey(user('t1'), 'k')).toBe(idempotencyStoreKey(user('t1'), 'k'));
    const fp = requestFingerprint(ENQUEUE, 'Enqueue', { type: 'a', n: { x: 1, y: 2 } });
    expect(requestFingerprint(ENQUEUE, 'Enqueue', { n: { y: 2, x: 1 }, type: 'a' })).toBe(fp);
    expect(requestFingerprint(ENQUEUE, 'Enqueue', { type: 'b', n: { x: 1, y: 2 } })).not.toBe(fp);
    expect(requestFingerprint(ENQUEUE, 'Other', { type: 'a', n: { x: 1, y: 2 } })).not.toBe(fp);
    expect(requestFingerprint(`${ENQUEUE} `, 'Enqueue', { type: 'a', n: { x: 1, y: 2 } })).not.toBe(fp);
  });
});

// ---------------------------------------------------------------- over HTTP, both stores

const stores: [string, ((prefix: string) => SharedStore) | undefined][] = [
  ['memory', () => memoryStore()],
  ['redis', redisUrl ? (prefix) => redisStore({ url: redisUrl, prefix }) : undefined],
];

for (const [kind, makeStore] of stores) {
  describe.skipIf(!makeStore)(`Idempotency-Key on mutations (${kind} store)`, () => {
    let fx: Fixtures;
    let gate: Gate;
    let jwks: JwksServer;
    let key: SigningKey;
    const opened: { router?: Router; store?: SharedStore }[] = [];
    let url: string;
    let store: SharedStore;

    /** A router on this suite's store (REDIS_URL for Redis, so the configured path is the one tested). */
    async function startRouter(env: Record<string, string> = {}, shared?: SharedStore) {
      const prefix = `test:${randomUUID()}:`;
      const config = await routerConfig({
        AUTH_JWKS_URL: jwks.url,
        SUBGRAPH_AUTH_URL: fx.auth.url,
        SUBGRAPH_JOBS_URL: gate.url,
        ...(kind === 'redis' && !shared ? { REDIS_URL: redisUrl, STORE_KEY_PREFIX: prefix } : {}),
        ...env,
      });
      const s = shared ?? (kind === 'memory' ? memoryStore() : undefined);
      const router = await createRouter(config, { supergraphSdl: fx.supergraphSdl, ...(s ? { store: s } : {}) });
      opened.push({ router, store: shared ? undefined : s });
      return { router, url: (await router.listen(0)).url };
    }

    beforeAll(async () => {
      [fx, key] = await Promise.all([startFixtures(), rsaKey('key-1')]);
      jwks = await startJwksServer([key.publicJwk]);
      gate = await startGate(fx.jobs.url);
      store = makeStore!(`test:${randomUUID()}:`);
      ({ url } = await startRouter({}, store));
    });
    afterAll(async () => {
      for (const o of opened) {
        await o.router?.stop();
        await o.store?.close();
      }
      await store?.close();
      await gate?.close();
      await jwks?.close();
      await fx?.close();
    });
    beforeEach(() => {
      fx.reset();
      gate.failing = false;
      gate.release();
      gate.requests = 0;
    });

    const token = (over: Parameters<typeof userClaims>[0] = {}) => mint(userClaims(over), { key });
    const enqueues = () => fx.calls().filter((c) => c.field === 'enqueueJob').length;
    /** Where the router keeps the default token's key k (the auth subgraph's tokens: issuer label "auth"). */
    const storeKeyOf = (k: string) => {
      const claims = userClaims();
      const scope = callerScope({
        kind: 'user',
        issuer: 'auth',
        tenantId: claims.tenantId!,
        userId: claims.sub!,
        email: '',
        name: '',
        roles: [],
        permissions: [],
        planTier: '',
      })!;
      return idempotencyStoreKey(scope, k);
    };
    const send = async (
      idemKey: string | undefined,
      variables: Record<string, unknown> = { type: 'email' },
      opts: { token?: string; query?: string; to?: string; headers?: Record<string, string> } = {},
    ): Promise<Answer> =>
      post(
        opts.to ?? url,
        { query: opts.query ?? ENQUEUE, variables },
        {
          ...bearer(opts.token ?? (await token())),
          ...(idemKey === undefined ? {} : { 'idempotency-key': idemKey }),
          ...opts.headers,
        },
      );
    const expectConflict = (a: Answer, status: number) => {
      expect(a.status, a.text).toBe(status);
      expect(a.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(a.body.errors?.[0]?.extensions?.requestId).toBe(a.headers.get('x-request-id'));
      expect(a.body.extensions?.meta?.request_id).toBe(a.headers.get('x-request-id'));
      expect(a.headers.get('idempotent-replayed')).toBeNull();
    };

    it('replays the saved response, byte for byte and marked, without calling any subgraph', async () => {
      const k = randomUUID();
      const first = await send(k);
      expect(first.status, first.text).toBe(200);
      expect(first.body.data).toEqual({ enqueueJob: { id: '99', type: 'email' } });
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(enqueues()).toBe(1);
      const reached = gate.requests;

      const again = await send(k);
      expect(again.status).toBe(200);
      expect(again.text).toBe(first.text);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      // The replay's own request id is in its header; the body names the request that ran.
      expect(again.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
      expect(enqueues()).toBe(1);
      expect(gate.requests).toBe(reached);
      expect(fx.requests().filter((h) => h['idempotency-key'] === k)).toHaveLength(1);

      // Without a key, the same mutation runs again.
      expect((await send(undefined)).status).toBe(200);
      expect(enqueues()).toBe(2);
    });

    it('answers 422 CONFLICT for the same key with other variables or another operation', async () => {
      const k = randomUUID();
      expect((await send(k, { type: 'email' })).status).toBe(200);
      expectConflict(await send(k, { type: 'sms' }), 422);
      expectConflict(
        await send(k, { type: 'email' }, { query: ENQUEUE.replace('mutation Enqueue', 'mutation Renamed') }),
        422,
      );
      expectConflict(await send(k, { type: 'email' }, { query: `${ENQUEUE}\n` }), 422);
      expect(enqueues()).toBe(1);
      // The same request still replays.
      expect((await send(k, { type: 'email' })).headers.get('idempotent-replayed')).toBe('true');
      expect(enqueues()).toBe(1);
    });

    it('runs 20 concurrent requests with one key exactly once: the others get 409 while it is in flight', async () => {
      const k = randomUUID();
      const t = await token();
      gate.hold();
      const settled: Answer[] = [];
      const all = Array.from({ length: 20 }, () =>
        send(k, { type: 'email' }, { token: t }).then((a) => (settled.push(a), a)),
      );
      await until('one request held and 19 answered', () => gate.held === 1 && settled.length === 19);
      for (const a of settled) {
        expectConflict(a, 409);
        expect(a.headers.get('retry-after')).toBe('1');
      }
      expect(enqueues()).toBe(0);
      gate.release();
      const answers = await Promise.all(all);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(19);
      expect(enqueues()).toBe(1);
      expect(gate.requests).toBe(1);
      const after = await send(k, { type: 'email' }, { token: t });
      expect(after.headers.get('idempotent-replayed')).toBe('true');
      expect(after.text).toBe(answers.find((a) => a.status === 200)!.text);
      expect(enqueues()).toBe(1);
    });

    it('runs 20 concurrent requests spread over two routers sharing the store exactly once', async () => {
      const second = await startRouter({}, store);
      const k = randomUUID();
      const t = await token();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => send(k, { type: 'email' }, { token: t, to: i % 2 ? second.url : url })),
      );
      expect(enqueues()).toBe(1);
      for (const a of answers) {
        expect([200, 409], a.text).toContain(a.status);
        if (a.status === 200) expect(a.body.data).toEqual({ enqueueJob: { id: '99', type: 'email' } });
      }
      expect((await send(k, { type: 'email' }, { token: t, to: second.url })).headers.get('idempotent-replayed')).toBe(
        'true',
      );
      expect(enqueues()).toBe(1);
    });

    it("keeps callers' keys apart: tenants, users and internal callers with one key all run", async () => {
      const k = randomUUID();
      const answers = [
        await send(k),
        await send(k, undefined, { token: await token({ tenantId: TENANT_B, email: 'b@b.example' }) }),
        await send(k, undefined, { token: await token({ sub: '00000000-0000-4000-8000-000000000bbb' }) }),
        await post(
          url,
          { query: 'mutation { leaseJobs(max: 1) { id } }' },
          { 'x-internal-api-key': INTERNAL_KEY, 'idempotency-key': k },
        ),
      ];
      for (const a of answers) {
        expect(a.status, a.text).toBe(200);
        expect(a.headers.get('idempotent-replayed')).toBeNull();
      }
      expect(enqueues()).toBe(3);
      // Tenant B's response is tenant B's: its replay carries B's meta, A's carries A's.
      const b = await send(k, undefined, { token: await token({ tenantId: TENANT_B, email: 'b@b.example' }) });
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.text).toBe(answers[1]!.text);
      expect(b.body.extensions?.meta?.tenant_id).toBe(TENANT_B);
      expect(enqueues()).toBe(3);
    });

    it('forgets a saved response after IDEMPOTENCY_TTL_SECONDS: the key runs again', async () => {
      const short = await startRouter({ IDEMPOTENCY_TTL_SECONDS: '1' });
      const k = randomUUID();
      const opts = { to: short.url };
      expect((await send(k, undefined, opts)).status).toBe(200);
      expect((await send(k, undefined, opts)).headers.get('idempotent-replayed')).toBe('true');
      expect(enqueues()).toBe(1);
      await sleep(1_200);
      const later = await send(k, undefined, opts);
      expect(later.status).toBe(200);
      expect(later.headers.get('idempotent-replayed')).toBeNull();
      expect(enqueues()).toBe(2);
    });

    it('frees a key whose router died mid-flight once its lease runs out', async () => {
      const shared = kind === 'memory' ? memoryStore() : makeStore!(`test:${randomUUID()}:`);
      opened.push({ store: shared });
      // A lease of 3 s: long enough that the first request surely meets it on a loaded machine
      // (the limit stages before the key is looked at take Redis round trips of their own).
      const r = await startRouter({ SUBGRAPH_TIMEOUT_MS: '100', IDEMPOTENCY_LEASE_MS: '3000' }, shared);
      const k = randomUUID();
      // What a router that died while running this request left behind.
      const storeKey = storeKeyOf(k);
      const fingerprint = requestFingerprint(ENQUEUE, 'Enqueue', { type: 'email' });
      await shared.set(storeKey, JSON.stringify({ s: 'running', f: fingerprint, t: 'dead' }), 3000);
      expectConflict(await send(k, undefined, { to: r.url }), 409);
      expect(enqueues()).toBe(0);
      await sleep(3100);
      expect((await send(k, undefined, { to: r.url })).status).toBe(200);
      expect(enqueues()).toBe(1);
    });

    it('lets a request that outlived its lease overwrite nothing: the key stays with the one holding it', async () => {
      const k = randomUUID();
      gate.hold();
      const late = send(k);
      await until('the first request held', () => gate.held === 1);
      // Its lease ran out and another request took the key (as another replica would).
      const other = JSON.stringify({
        s: 'running',
        f: requestFingerprint(ENQUEUE, 'Enqueue', { type: 'email' }),
        t: 'other',
      });
      await store.set(storeKeyOf(k), other, 60_000);
      gate.release();
      expect((await late).status).toBe(200);
      expect(await store.get(storeKeyOf(k))).toBe(other);
      expectConflict(await send(k), 409);
      expect(enqueues()).toBe(1);
    });

    it('saves nothing for a refused or invalid request: the valid one with the same key then runs', async () => {
      const k = randomUUID();
      // Layer 1 refuses a caller without jobs:create (same user and tenant: same key space).
      const refused = await send(k, { type: 'email' }, { token: await token({ roles: [] }) });
      expect(refused.status, refused.text).toBe(403);
      // Validation: an unknown field; variables that do not coerce.
      expect((await send(k, { type: 'email' }, { query: 'mutation { enqueueJob(type: "x") { nope } }' })).status).toBe(
        400,
      );
      expect((await send(k, { type: 7 })).status).toBe(400);
      // The subgraph fails (outage): executed, but a retryable failure, so the key is released.
      gate.failing = true;
      const failed = await send(k);
      expect(failed.body.errors?.[0]?.extensions?.code, failed.text).toBe('INTERNAL_SERVER_ERROR');
      expect(failed.headers.get('idempotent-replayed')).toBeNull();
      gate.failing = false;
      expect(enqueues()).toBe(0);

      const ok = await send(k);
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.data).toEqual({ enqueueJob: { id: '99', type: 'email' } });
      expect(ok.headers.get('idempotent-replayed')).toBeNull();
      expect(enqueues()).toBe(1);
    });

    it('ignores the key on queries and for anonymous callers', async () => {
      const k = randomUUID();
      expect((await send(k)).status).toBe(200);
      for (let i = 0; i < 2; i++) {
        const q = await send(k, {}, { query: JOBS, token: await token({ permissions: ['jobs:read'] }) });
        expect(q.status, q.text).toBe(200);
        expect(q.headers.get('idempotent-replayed')).toBeNull();
      }
      expect(fx.calls().filter((c) => c.field === 'jobs')).toHaveLength(2);
      // Anonymous login: no key space (see README), so both run.
      for (let i = 0; i < 2; i++) {
        const a = await post(
          url,
          { query: 'mutation { login(input: { email: "a@a.example", password: "pw" }) { accessToken } }' },
          { 'idempotency-key': k },
        );
        expect(a.status, a.text).toBe(200);
        expect(a.headers.get('idempotent-replayed')).toBeNull();
      }
      expect(fx.calls().filter((c) => c.field === 'login')).toHaveLength(2);
    });

    it('refuses a malformed key with 400 BAD_REQUEST before anything runs', async () => {
      for (const bad of ['x'.repeat(256), 'has space', 'tab\there', 'é']) {
        const a = await send(bad).catch((e: Error) => e);
        if (a instanceof Error) continue; // fetch itself refuses some header values
        expect(a.status, bad).toBe(400);
        expect(a.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
      }
      // Two keys in one request (Node joins repeated headers with ", ").
      const res = await new Promise<number>((resolve, reject) => {
        void token().then((t) => {
          const req = http.request(url, {
            method: 'POST',
            headers: [
              'content-type',
              'application/json',
              'authorization',
              `Bearer ${t}`,
              'idempotency-key',
              'a',
              'idempotency-key',
              'b',
            ],
          });
          req.on('response', (r) => (r.resume(), resolve(r.statusCode ?? 0)));
          req.on('error', reject);
          req.end(JSON.stringify({ query: ENQUEUE, variables: { type: 'email' } }));
        });
      });
      expect(res).toBe(400);
      expect((await send('x'.repeat(255))).status).toBe(200);
      expect(enqueues()).toBe(1);
      expect(gate.requests).toBe(1);
    });

    it('lets a browser read Idempotent-Replayed (CORS)', async () => {
      const a = await send(randomUUID(), undefined, { headers: { origin: 'https://app.eventzr.example' } });
      expect(a.headers.get('access-control-expose-headers')).toContain('idempotent-replayed');
    });
  });
}

describe('Idempotency-Key when the store is unreachable', () => {
  let fx: Fixtures;
  let jwks: JwksServer;
  let key: SigningKey;
  let router: Router;
  let url: string;
  const dead = redisStore({ url: 'redis://127.0.0.1:9', commandTimeoutMs: 200 });

  beforeAll(async () => {
    [fx, key] = await Promise.all([startFixtures(), rsaKey('key-1')]);
    jwks = await startJwksServer([key.publicJwk]);
    const config = await routerConfig({
      ...fixtureRouterEnv(fx, jwks.url),
    });
    router = await createRouter(config, {
      supergraphSdl: fx.supergraphSdl,
      store: dead,
      logger: createLogger('router', 'silent'),
    });
    url = (await router.listen(0)).url;
  });
  afterAll(async () => {
    await router?.stop();
    await dead.close();
    await jwks?.close();
    await fx?.close();
  });

  it('answers a keyed mutation 503 (retry) and runs nothing; a mutation without a key still runs', async () => {
    const auth = bearer(await mint(userClaims(), { key }));
    const keyed = await post(
      url,
      { query: ENQUEUE, variables: { type: 'email' } },
      { ...auth, 'idempotency-key': 'k' },
    );
    expect(keyed.status, keyed.text).toBe(503);
    expect(keyed.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(keyed.headers.get('retry-after')).toBe('1');
    // The router's readiness reports the store it cannot reach.
    const ready = await fetch(new URL('/readyz', url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', store: 'unavailable' });
    expect(fx.calls().filter((c) => c.field === 'enqueueJob')).toHaveLength(0);
    const plain = await post(url, { query: ENQUEUE, variables: { type: 'email' } }, auth);
    expect(plain.status).toBe(200);
    expect(fx.calls().filter((c) => c.field === 'enqueueJob')).toHaveLength(1);
  });
});
