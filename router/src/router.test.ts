// The router end to end over HTTP: real keys, a real JWKS endpoint, real fixture subgraphs that
// verify the router's claims tokens. Every refusal asserts its code and status AND that no
// subgraph was reached.
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_AUTH_USER } from '@eventzr/lib/dev-seed';
import {
  AUDIENCE,
  DEV_SECRET,
  INTERNAL_KEY,
  ISSUER,
  TENANT_A,
  TENANT_B,
  UNKNOWN_TENANT,
  bearer,
  externalUserId,
  fixtureRouterEnv,
  handMade,
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
import { createRouter, type Router } from './router.ts';
import { ROUTER_CALLER } from './auth/external-identities.ts';

const AUTH0_ISSUER = 'https://tenant.auth0.example/';
const AUTH0_AUDIENCE = 'https://api.eventzr.example';
const JOBS = '{ jobs { id } }';

let fx: Fixtures;
let jwks: JwksServer;
let key: SigningKey;
let auth0Key: SigningKey;
let router: Router;
let url: string;
/** The router's clock runs `offset` ms ahead of the real one. */
let offset = 0;

async function startRouter(env: Record<string, string | undefined> = {}) {
  const config = await routerConfig({
    ...fixtureRouterEnv(fx, jwks.url),
    JWKS_COOLDOWN_SECONDS: '1',
    AUTH0_DOMAIN: 'tenant.auth0.example',
    AUTH0_ISSUER,
    AUTH0_AUDIENCE,
    ...env,
  });
  const r = await createRouter(config, {
    supergraphSdl: fx.supergraphSdl,
    now: () => Date.now() + offset,
    keySets: { auth0: createLocalJWKSet({ keys: [auth0Key.publicJwk] }) },
  });
  return { router: r, url: (await r.listen(0)).url };
}

beforeAll(async () => {
  [fx, key, auth0Key] = await Promise.all([startFixtures(), rsaKey('key-1'), rsaKey('auth0-key')]);
  jwks = await startJwksServer([key.publicJwk]);
  ({ router, url } = await startRouter());
});
afterAll(async () => {
  await router?.stop();
  await jwks?.close();
  await fx?.close();
});
beforeEach(() => {
  fx.reset();
  offset = 0;
});

const userToken = (over: Parameters<typeof userClaims>[0] = {}) => mint(userClaims(over), { key });

function expectRefused(a: Answer, status: number, code: string) {
  expect(a.status, a.text).toBe(status);
  expect(a.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(a.body.data ?? undefined).toBeUndefined();
  // Nothing reached any subgraph: no HTTP request at all, so no resolver either.
  expect(fx.requests()).toEqual([]);
  expect(fx.calls()).toEqual([]);
}

describe('requests that are refused before any subgraph is called', () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ['no token', async () => ({})],
    ['an expired token', async () => bearer(await mint(userClaims(), { key, expiresIn: -60 }))],
    ['a token without exp', async () => bearer(await mint(userClaims(), { key, expiresIn: null }))],
    ['a token without sub', async () => bearer(await mint(userClaims({ sub: undefined }), { key }))],
    ['a token without tenantId', async () => bearer(await mint(userClaims({ tenantId: undefined }), { key }))],
    ['a token whose tenantId is not a UUID', async () => bearer(await mint(userClaims({ tenantId: 'acme' }), { key }))],
    ['a token not valid yet (nbf)', async () => bearer(await mint(userClaims(), { key, nbf: 600 }))],
    [
      'a token signed by a key the router does not trust (same kid)',
      async () => bearer(await mint(userClaims(), { key: await rsaKey('key-1') })),
    ],
    [
      'alg none',
      async () =>
        bearer(
          handMade(
            { alg: 'none', typ: 'JWT' },
            { ...userClaims(), iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 },
          ),
        ),
    ],
    [
      'an RS256 token re-signed as HS256 with the public key',
      async () =>
        bearer(
          await mint(userClaims({ roles: ['admin'] }), {
            key: new TextEncoder().encode(key.publicPem),
            alg: 'HS256',
            kid: 'key-1',
          }),
        ),
    ],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await userToken()).split('.');
        const payload = {
          ...userClaims({ roles: ['admin'] }),
          iss: ISSUER,
          aud: AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 600,
        };
        return bearer(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
      },
    ],
    ['the wrong issuer', async () => bearer(await mint(userClaims(), { key, iss: 'https://evil.example' }))],
    ['no issuer', async () => bearer(await mint(userClaims(), { key, iss: null }))],
    ['the wrong audience', async () => bearer(await mint(userClaims(), { key, aud: 'another-api' }))],
    [
      'an Auth0 token for another audience',
      async () => bearer(await mint(userClaims(), { key: auth0Key, iss: AUTH0_ISSUER, aud: AUDIENCE })),
    ],
    [
      'a development token claiming the auth issuer',
      async () => bearer(await mint(userClaims(), { key: new TextEncoder().encode(DEV_SECRET) })),
    ],
    [
      'a development token signed with another secret',
      async () =>
        bearer(await mint(userClaims(), { key: new TextEncoder().encode('x'.repeat(40)), iss: 'eventzr-dev' })),
    ],
    ['a garbage token', async () => bearer('not.a.jwt')],
    ['a Basic credential', async () => ({ authorization: 'Basic dXNlcjpwYXNz' })],
    ['a wrong internal key', async () => ({ 'x-internal-api-key': 'x'.repeat(40) })],
    ['a wrong x-api-key', async () => ({ 'x-api-key': `${INTERNAL_KEY}.` })],
    [
      'a bearer token together with the internal key',
      async () => ({ ...bearer(await userToken()), 'x-internal-api-key': INTERNAL_KEY }),
    ],
  ];

  it.each(cases)('%s → 401 UNAUTHENTICATED', async (_name, headers) => {
    const a = await post(url, { query: JOBS }, await headers());
    expectRefused(a, 401, 'UNAUTHENTICATED');
    expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each([
    ['a path', '../../../../etc/passwd'],
    ['SQL', "key-1' OR '1'='1"],
    ['a URL', 'https://evil.example/jwks.json'],
  ])('a kid holding %s → 401, and the key set is not even consulted', async (_name, kid) => {
    await post(url, { query: JOBS }, bearer(await userToken())); // the set is loaded
    const before = { fetches: jwks.fetches, verifications: router.tokenStats.verifications };
    fx.reset();
    const a = await post(url, { query: JOBS }, bearer(await mint(userClaims(), { key, kid })));
    expectRefused(a, 401, 'UNAUTHENTICATED');
    // Refused on its header alone: no signature check ran, no key lookup, no JWKS fetch.
    expect(router.tokenStats.verifications).toBe(before.verifications);
    expect(jwks.fetches).toBe(before.fetches);
  });

  it('x-tenant-id of another tenant → 403 FORBIDDEN', async () => {
    const a = await post(url, { query: JOBS }, { ...bearer(await userToken()), 'x-tenant-id': TENANT_B });
    expectRefused(a, 403, 'FORBIDDEN');
  });

  it('a viewer calling an admin field → 403 FORBIDDEN with the permission it lacks', async () => {
    const a = await post(url, { query: '{ workers { id } }' }, bearer(await userToken({ roles: ['viewer'] })));
    expectRefused(a, 403, 'FORBIDDEN');
    expect(a.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
  });

  it('an admin-only field reached through a fragment → 403 for a user', async () => {
    const query = '{ jobs { ...F } } fragment F on Job { id adminNote }';
    expectRefused(await post(url, { query }, bearer(await userToken({ roles: ['user'] }))), 403, 'FORBIDDEN');
    const admin = await post(url, { query }, bearer(await userToken({ roles: ['admin'] })));
    expect(admin.status).toBe(200);
    expect(admin.body.data).toEqual({
      jobs: [
        { id: '1', adminNote: 'note' },
        { id: '2', adminNote: 'note' },
      ],
    });
  });

  it("a user's token (even an admin's) calling the worker protocol → 403 FORBIDDEN", async () => {
    for (const roles of [['user'], ['admin']]) {
      const a = await post(url, { query: 'mutation { leaseJobs(max: 1) { id } }' }, bearer(await userToken({ roles })));
      expectRefused(a, 403, 'FORBIDDEN');
      expect(a.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['internal:jobs.worker']);
    }
  });

  it('an internal caller asking for a user field → 403 FORBIDDEN (it holds only `internal`)', async () => {
    expectRefused(await post(url, { query: JOBS }, { 'x-internal-api-key': INTERNAL_KEY }), 403, 'FORBIDDEN');
  });

  it('an anonymous request mixing a public field with a protected one → 401', async () => {
    const query = 'mutation { login(input: { email: "a@b.c", password: "p" }) { accessToken } logout }';
    expectRefused(await post(url, { query }), 401, 'UNAUTHENTICATED');
  });

  it('an anonymous request repeating a public mutation under aliases → 400 BAD_REQUEST', async () => {
    const login = (alias: string) => `${alias}: login(input: { email: "a@b.c", password: "p" }) { accessToken }`;
    const a = await post(url, { query: `mutation { ${login('a')} ${login('b')} }` }, { 'x-request-id': 'req-alias-1' });
    expectRefused(a, 400, 'BAD_REQUEST');
    expect(a.body.errors?.[0]?.message).toMatch(/only one root field/);
    expect(a.body.errors?.[0]?.extensions?.requestId).toBe('req-alias-1');
    expect(a.body.extensions?.meta?.request_id).toBe('req-alias-1');
  });

  it('more than 20 root fields, whoever asks → 400 OPERATION_LIMIT_EXCEEDED (operation-limits.test.ts: every limit)', async () => {
    const many = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `j${i}: jobs { id }`).join(' ')} }`;
    expectRefused(await post(url, { query: many(21) }, bearer(await userToken())), 400, 'OPERATION_LIMIT_EXCEEDED');
    const twenty = await post(url, { query: many(20) }, bearer(await userToken()));
    expect(twenty.status, twenty.text).toBe(200);
    expect(Object.keys(twenty.body.data ?? {})).toHaveLength(20);
  });

  it('an internal caller asking for an @authenticated field → 403 "A user token is required"', async () => {
    const a = await post(url, { query: '{ me { id } }' }, { 'x-internal-api-key': INTERNAL_KEY });
    expectRefused(a, 403, 'FORBIDDEN');
    expect(a.body.errors?.[0]?.message).toBe('A user token is required');
  });

  it('a subscription (the supergraph has no Subscription type) → 400 GRAPHQL_VALIDATION_FAILED, not 500', async () => {
    for (const query of ['subscription { jobs { id } }', 'subscription S { __typename }']) {
      const a = await post(url, { query }, { ...bearer(await userToken()), 'x-request-id': 'req-sub-op' });
      expectRefused(a, 400, 'GRAPHQL_VALIDATION_FAILED');
      expect(a.body.errors?.[0]?.extensions?.requestId).toBe('req-sub-op');
      expect(a.body.extensions?.meta?.request_id).toBe('req-sub-op');
    }
  });

  it('internal access is disabled, not opened, when no INTERNAL_API_KEY is configured', async () => {
    const noKey = await startRouter({ INTERNAL_API_KEY: '' });
    try {
      for (const header of ['x-internal-api-key', 'x-api-key']) {
        for (const value of [INTERNAL_KEY, '']) {
          expectRefused(
            await post(noKey.url, { query: 'mutation { leaseJobs(max: 1) { id } }' }, { [header]: value }),
            401,
            'UNAUTHENTICATED',
          );
        }
      }
    } finally {
      await noKey.router.stop();
    }
  });

  it('a subgraph reached directly with hand-made identity headers serves nothing', async () => {
    const res = await fetch(fx.jobs.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-user-id': 'u1',
        'x-tenant-id': TENANT_A,
        'x-roles': 'admin',
        ...bearer(await userToken({ roles: ['admin'] })),
        'x-internal-api-key': INTERNAL_KEY,
        'x-eventzr-claims': 'forged',
      },
      body: JSON.stringify({ query: 'mutation { leaseJobs(max: 1) { id } }' }),
    });
    expect(res.status).toBe(401);
    expect(fx.calls()).toEqual([]);
  });
});

describe('one operation, resolved once, checked, then executed (operationName variants)', () => {
  const LOGIN = (alias = 'l') => `${alias}: login(input: { email: "${alias}@b.c", password: "p" }) { accessToken }`;
  const get = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}?${new URLSearchParams(params)}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });

  it('operationName "" no longer skips the checks: each refusal holds and nothing is called', async () => {
    for (const operationName of ['', undefined, null]) {
      const body = (query: string) => ({ query, operationName });
      // Issue 8: one anonymous request repeated a public mutation under aliases with operationName "".
      const many = await post(url, body(`mutation { ${LOGIN('a')} ${LOGIN('b')} }`));
      expectRefused(many, 400, 'BAD_REQUEST');
      expect(many.body.errors?.[0]?.message).toMatch(/only one root field/);
      expectRefused(await post(url, body('mutation { logout }')), 401, 'UNAUTHENTICATED');
      expectRefused(await post(url, body(JOBS)), 401, 'UNAUTHENTICATED');
      const viewer = bearer(await userToken({ roles: ['viewer'] }));
      expectRefused(await post(url, body('{ workers { id } }'), viewer), 403, 'FORBIDDEN');
      const cap = `{ ${Array.from({ length: 21 }, (_, i) => `j${i}: jobs { id }`).join(' ')} }`;
      expectRefused(await post(url, body(cap), bearer(await userToken())), 400, 'OPERATION_LIMIT_EXCEEDED');
      expectRefused(await post(url, body('mutation { leaseJobs(max: 1) { id } }'), viewer), 403, 'FORBIDDEN');
    }
  });

  it('"", null or missing with one operation: that operation runs, once', async () => {
    for (const operationName of ['', undefined, null]) {
      fx.reset();
      const a = await post(url, { query: `mutation Login { ${LOGIN()} }`, operationName });
      expect(a.status, a.text).toBe(200);
      expect(a.body.data).toEqual({ l: { accessToken: 'token-for-l@b.c' } });
      expect(fx.calls()).toEqual([{ field: 'login', caller: { kind: 'anonymous' } }]);
    }
  });

  it('two operations and no name, an unknown name, a subscription → 400 with a code, never 500', async () => {
    const two = `query Jobs { jobs { id } } mutation Login { ${LOGIN()} }`;
    for (const headers of [{}, bearer(await userToken())]) {
      for (const operationName of ['', undefined, null, 'Nope', 'jobs'])
        expectRefused(await post(url, { query: two, operationName }, headers), 400, 'OPERATION_RESOLUTION_FAILURE');
      for (const [query, operationName] of [
        ['subscription { jobs { id } }', ''],
        ['subscription { jobs { id } }', undefined],
        ['subscription S { __typename }', 'S'],
      ] as const)
        expectRefused(await post(url, { query, operationName }, headers), 400, 'GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('a name runs that operation and only it, after the checks of that one', async () => {
    const token = bearer(await userToken());
    const two = 'query Jobs { jobs { id } } query Me { me { id } }';
    const me = await post(url, { query: two, operationName: 'Me' }, token);
    expect(me.status, me.text).toBe(200);
    expect(me.body.data).toEqual({ me: { id: userClaims().sub } });
    expect(fx.calls().map((c) => c.field)).toEqual(['me']);
    fx.reset();
    const viewer = bearer(await userToken({ roles: ['viewer'] }));
    const mixed = 'query Workers { workers { id } } query Me { me { id } }';
    expectRefused(await post(url, { query: mixed, operationName: 'Workers' }, viewer), 403, 'FORBIDDEN');
    // A document is validated whole against the caller's own schema: one that selects what the
    // caller may not call is refused whichever operation is named (the gateway would validate the
    // rest against the full schema, and whether that passed would tell the caller about it).
    expectRefused(await post(url, { query: mixed, operationName: 'Me' }, viewer), 403, 'FORBIDDEN');
    expect(fx.calls()).toEqual([]);
    expect((await post(url, { query: two, operationName: 'Me' }, viewer)).status).toBe(200);
  });

  it('GET never runs a mutation (405, Allow: POST); the query of a query+mutation document runs when named', async () => {
    const token = bearer(await userToken());
    for (const headers of [{}, token]) {
      for (const operationName of ['', 'Login']) {
        const a = await get({ query: `mutation Login { ${LOGIN()} }`, operationName }, headers);
        expect(a.status).toBe(405);
        expect(a.headers.get('allow')).toBe('POST');
      }
      const a = await get({ query: `mutation Login { ${LOGIN()} }` }, headers);
      expect(a.status).toBe(405);
    }
    const both = `query Jobs { jobs { id } } mutation Login { ${LOGIN()} }`;
    expect((await get({ query: both, operationName: 'Login' }, token)).status).toBe(405);
    const variants: Record<string, string>[] = [
      { query: both },
      { query: both, operationName: '' },
      { query: both, operationName: 'X' },
    ];
    for (const params of variants) {
      const a = await get(params, token);
      expect(a.status).toBe(400);
      expect(((await a.json()) as Answer['body']).errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    }
    expect(fx.calls()).toEqual([]);
    const jobs = await get({ query: both, operationName: 'Jobs' }, token);
    expect(jobs.status).toBe(200);
    expect(((await jobs.json()) as Answer['body']).data).toEqual({ jobs: [{ id: '1' }, { id: '2' }] });
    expect(fx.calls().map((c) => c.field)).toEqual(['jobs']);
  });

  it('anonymous: a document reaching outside the public part is 401 before anything runs; public mistakes are 400', async () => {
    for (const query of [
      '{ jbos { id } }',
      '{ jobs(nope: 1) { id } }',
      'query { ...F } fragment F on Job { id }',
      'mutation L { login(input: { email: "a", password: "p" }) { accessToken } } query Q { me { id } }',
    ])
      expectRefused(
        await post(url, { query, operationName: query.startsWith('mutation L') ? 'L' : undefined }),
        401,
        'UNAUTHENTICATED',
      );
    const a = await post(url, { query: 'mutation { login(input: { email: "a" }) { accessToken } }' });
    expectRefused(a, 400, 'GRAPHQL_VALIDATION_FAILED');
    expect(a.body.errors?.[0]?.message).toBe(
      'Field "LoginInput.password" of required type "String!" was not provided.',
    );
  });
});

describe('requests that are served', () => {
  it('runs a public operation without a token', async () => {
    const a = await post(url, {
      query: 'mutation { login(input: { email: "a@b.c", password: "p" }) { accessToken } }',
    });
    expect(a.status).toBe(200);
    expect(a.body.data).toEqual({ login: { accessToken: 'token-for-a@b.c' } });
    expect(fx.calls()).toEqual([{ field: 'login', caller: { kind: 'anonymous' } }]);
    expect(a.body.extensions?.meta?.tenant_id).toBeNull();
  });

  it('serves a user across two subgraphs, each reached with its own claims token and no client credential', async () => {
    const a = await post(
      url,
      { query: '{ jobs { id createdBy { id email } } }' },
      {
        ...bearer(await userToken()),
        'x-tenant-id': TENANT_A.toUpperCase(),
        'x-request-id': 'req-abc-123',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        'idempotency-key': 'idem-1',
        'x-budget-max-usd': '2.50',
      },
    );
    expect(a.status, a.text).toBe(200);
    expect(a.body.data).toEqual({
      jobs: [
        { id: '1', createdBy: { id: 'user-1', email: 'user-1@example.com' } },
        { id: '2', createdBy: { id: 'user-2', email: 'user-2@example.com' } },
      ],
    });
    const requests = fx.requests();
    expect(requests).toHaveLength(2);
    for (const h of requests) {
      expect(h.authorization).toBeUndefined();
      expect(h['x-internal-api-key']).toBeUndefined();
      expect(h['x-api-key']).toBeUndefined();
      expect(h['x-tenant-id']).toBeUndefined();
      expect(h['x-eventzr-claims']).toMatch(/^ey/);
      expect(h['x-request-id']).toBe('req-abc-123');
      expect(h.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      expect(h.traceparent).not.toContain('00f067aa0ba902b7');
      expect(h['idempotency-key']).toBe('idem-1');
      expect(h['x-budget-max-usd']).toBe('2.50');
    }
    expect(requests[0]!['x-eventzr-claims']).not.toBe(requests[1]!['x-eventzr-claims']);
    const callers = fx.calls().map((c) => c.caller);
    expect(callers.length).toBeGreaterThanOrEqual(2);
    for (const c of callers)
      expect(c).toMatchObject({
        kind: 'user',
        userId: userClaims().sub,
        tenantId: TENANT_A,
        issuer: 'auth',
        permissions: expect.arrayContaining(['jobs:read']),
      });
    expect(a.headers.get('x-request-id')).toBe('req-abc-123');
    expect(a.body.extensions?.meta).toEqual({
      request_id: 'req-abc-123',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      tenant_id: TENANT_A,
    });
  });

  it('makes a request id and a trace id when the client sends none or a bad one', async () => {
    const a = await post(
      url,
      { query: JOBS },
      { ...bearer(await userToken()), 'x-request-id': 'bad id; drop table', traceparent: '00-zz' },
    );
    const meta = a.body.extensions?.meta;
    expect(meta?.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-request-id')).toBe(meta?.request_id);
    expect(meta?.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(fx.requests()[0]?.traceparent).toContain(meta?.trace_id);
  });

  it('puts the request id and meta on refusals too', async () => {
    const a = await post(url, { query: JOBS }, { 'x-request-id': 'req-refused-1' });
    expect(a.body.errors?.[0]?.extensions?.requestId).toBe('req-refused-1');
    expect(a.body.extensions?.meta?.request_id).toBe('req-refused-1');
    const forbidden = await post(
      url,
      { query: '{ workers { id } }' },
      { ...bearer(await userToken()), 'x-request-id': 'req-refused-2' },
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.errors?.[0]?.extensions?.requestId).toBe('req-refused-2');
    expect(forbidden.body.extensions?.meta).toMatchObject({ request_id: 'req-refused-2', tenant_id: TENANT_A });
  });

  it('serves an internal caller (x-internal-api-key or x-api-key) the worker protocol', async () => {
    for (const header of ['x-internal-api-key', 'x-api-key']) {
      fx.reset();
      const a = await post(
        url,
        { query: 'mutation { leaseJobs(max: 2) { id type } }' },
        { [header]: INTERNAL_KEY, 'x-internal-service': 'scheduler' },
      );
      expect(a.status, a.text).toBe(200);
      expect(a.body.data).toEqual({
        leaseJobs: [
          { id: '10', type: 'email' },
          { id: '11', type: 'email' },
        ],
      });
      expect(fx.calls()).toEqual([
        {
          field: 'leaseJobs',
          caller: {
            kind: 'internal',
            service: 'scheduler',
            credentialId: 'development',
            scopes: ['internal:jobs.worker'],
          },
        },
      ]);
      expect(fx.requests()[0]?.[header]).toBeUndefined();
    }
  });

  it('accepts the auth subgraph, Auth0 and (outside production) development issuers, each with its own keys', async () => {
    const viaAuth0 = await post(
      url,
      { query: '{ me { id } }' },
      bearer(await mint(userClaims(), { key: auth0Key, iss: AUTH0_ISSUER, aud: AUTH0_AUDIENCE })),
    );
    // An Auth0 subject is no user id here: the router asked auth (as itself) for the user's id.
    expect(viaAuth0.body.data).toEqual({
      me: { id: externalUserId(AUTH0_ISSUER, userClaims().sub!, userClaims().tenantId!) },
    });
    const viaDev = await post(
      url,
      { query: '{ me { id } }' },
      bearer(await mint(userClaims(), { key: new TextEncoder().encode(DEV_SECRET), iss: 'eventzr-dev' })),
    );
    expect(viaDev.body.data).toEqual({ me: { id: userClaims().sub } });
    expect(fx.calls().map((c) => (c.caller.kind === 'user' ? c.caller.issuer : c.caller))).toEqual([
      ROUTER_CALLER,
      'auth0',
      'development',
    ]);
  });

  it('maps an Auth0 user once per cache lifetime, and refuses one whose tenant auth refuses (401, no subgraph query)', async () => {
    const auth0 = (over: Parameters<typeof userClaims>[0] = {}, now = Date.now()) =>
      mint(userClaims(over), { key: auth0Key, iss: AUTH0_ISSUER, aud: AUTH0_AUDIENCE, now });
    const sub = `auth0|${crypto.randomUUID()}`;
    const before = router.externalIdentityStats!.provisions;
    for (let i = 0; i < 3; i++) {
      // A new token each time (the token cache cannot answer): the identity cache does.
      const res = await post(url, { query: '{ me { id } }' }, bearer(await auth0({ sub }, Date.now() - i * 1000)));
      expect(res.body.data).toEqual({ me: { id: externalUserId(AUTH0_ISSUER, sub, TENANT_A) } });
    }
    expect(router.externalIdentityStats!.provisions - before).toBe(1);
    // New roles in a later token are passed on at once.
    await post(url, { query: '{ me { id } }' }, bearer(await auth0({ sub, roles: ['admin'] })));
    expect(router.externalIdentityStats!.provisions - before).toBe(2);

    fx.reset();
    const refused = await post(url, { query: '{ me { id } }' }, bearer(await auth0({ tenantId: UNKNOWN_TENANT })));
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Only the router's own question reached auth; the caller's query reached no subgraph.
    expect(fx.calls().map((c) => c.field)).toEqual(['provisionExternalIdentity']);
  });

  it('serves no client provisionExternalIdentity: it is not in the API schema, internal callers included', async () => {
    const res = await post(
      url,
      {
        query:
          'mutation { provisionExternalIdentity(input: { issuer: "x", subject: "y", tenantId: "' +
          TENANT_A +
          '", email: "", name: "", roles: [] }) { userId } }',
      },
      { 'x-internal-api-key': INTERNAL_KEY, 'x-internal-service': 'router' },
    );
    // The development credential does not hold the router's own scope (refused at layer 1); one
    // that did would still meet the API schema, which leaves the field out (400). Never a call.
    expect([400, 403]).toContain(res.status);
    expect(['GRAPHQL_VALIDATION_FAILED', 'FORBIDDEN']).toContain(res.body.errors?.[0]?.extensions?.code);
    expect(fx.calls()).toEqual([]);
  });

  it('picks up a rotated signing key from the JWKS, refetching at most once per cooldown', async () => {
    const key2 = await rsaKey('key-2');
    await post(url, { query: JOBS }, bearer(await userToken()));
    jwks.keys.push(key2.publicJwk);
    await new Promise((r) => setTimeout(r, 1100)); // JWKS_COOLDOWN_SECONDS=1
    const before = jwks.fetches;
    const rotated = await post(url, { query: JOBS }, bearer(await mint(userClaims(), { key: key2 })));
    expect(rotated.status, rotated.text).toBe(200);
    expect(jwks.fetches).toBe(before + 1);
    // Another unknown kid straight away: refused without hammering the JWKS endpoint.
    fx.reset();
    const unknown = await post(url, { query: JOBS }, bearer(await mint(userClaims(), { key: await rsaKey('key-3') })));
    expectRefused(unknown, 401, 'UNAUTHENTICATED');
    expect(jwks.fetches).toBe(before + 1);
  });
});

describe('verified-token cache', () => {
  it('does not verify a token again until it expires, and never serves it past exp', async () => {
    const token = await mint(userClaims(), { key, expiresIn: 120 });
    const start = { ...router.tokenStats };
    expect((await post(url, { query: JOBS }, bearer(token))).status).toBe(200);
    expect(router.tokenStats.verifications).toBe(start.verifications + 1);
    for (let i = 0; i < 3; i++) expect((await post(url, { query: JOBS }, bearer(token))).status).toBe(200);
    expect(router.tokenStats.verifications).toBe(start.verifications + 1);
    expect(router.tokenStats.cacheHits).toBe(start.cacheHits + 3);

    offset = 121_000 + 5_000; // past exp and the clock tolerance
    fx.reset();
    const late = await post(url, { query: JOBS }, bearer(token));
    expectRefused(late, 401, 'UNAUTHENTICATED');
    expect(late.body.errors?.[0]?.message).toMatch(/expired/);
    expect(router.tokenStats.verifications).toBe(start.verifications + 2);
    expect(router.tokenStats.cacheHits).toBe(start.cacheHits + 3);
  });

  it('checks x-tenant-id on every request, cached token or not', async () => {
    const token = await userToken();
    expect((await post(url, { query: JOBS }, bearer(token))).status).toBe(200);
    fx.reset();
    expectRefused(await post(url, { query: JOBS }, { ...bearer(token), 'x-tenant-id': TENANT_B }), 403, 'FORBIDDEN');
  });
});

describe('subgraph errors', () => {
  it.each([
    ['FORBIDDEN', { requiredPermissions: ['jobs:admin'] }],
    ['NOT_FOUND', {}],
    ['BAD_USER_INPUT', { field: 'type', maxLength: 64 }],
    ['CONFLICT', {}],
    ['QUOTA_EXCEEDED', { limit: 10, used: 10 }],
    ['UNAUTHENTICATED', {}],
  ])('%s keeps its code and details; no subgraph internals reach the client', async (code, details) => {
    const a = await post(
      url,
      { query: `{ failing(code: "${code}") { id } }` },
      { ...bearer(await userToken()), 'x-request-id': 'req-sub-1' },
    );
    expect(a.body.data).toEqual({ failing: null });
    const err = a.body.errors?.[0];
    expect(err?.extensions).toEqual({ code, ...details, requestId: 'req-sub-1' });
    expect(err?.path).toEqual(['failing']);
    expect(a.status).toBe(200); // partial data: the operation itself ran
  });

  // This router runs outside production, so the (development-mode) subgraph's message is shown;
  // router-http.test.ts shows a production router masking it.
  it('an internal subgraph error is INTERNAL_SERVER_ERROR without stack or service name', async () => {
    const a = await post(url, { query: '{ failing(code: "CRASH") { id } }' }, bearer(await userToken()));
    const err = a.body.errors?.[0];
    expect(err?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(Object.keys(err?.extensions ?? {}).sort()).toEqual(['code', 'requestId']);
    expect(a.text).not.toMatch(/stacktrace|serviceName|exception/);
  });
});

describe('development auth', () => {
  it('lets an anonymous request act as the development user, and still refuses a bad token', async () => {
    const dev = await startRouter({ DEVELOPMENT_AUTH_ENABLED: 'true' });
    try {
      const a = await post(dev.url, { query: '{ me { id } }' });
      expect(a.body.data).toEqual({ me: { id: DEV_AUTH_USER.id } });
      expect(a.body.extensions?.meta?.tenant_id).toBe(DEV_AUTH_USER.tenantId);
      fx.reset();
      expectRefused(await post(dev.url, { query: '{ me { id } }' }, bearer('garbage')), 401, 'UNAUTHENTICATED');
    } finally {
      await dev.router.stop();
    }
  });
});
