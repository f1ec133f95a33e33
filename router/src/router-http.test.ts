// The router's HTTP surface: body limits and shapes, statuses, CORS, Sandbox, health, and what a
// production router hides (introspection, suggestions, internal messages, failing subgraphs).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUTH_USER } from '@eventzr/lib/dev-seed';
import {
  INTERNAL_KEY,
  bearer,
  fixtureApiSchema,
  mint,
  post,
  userClaims,
  type Fixtures,
  type SigningKey,
} from './__fixtures__/fixtures.ts';
import { attacks, nonPublicNames, quotedNames } from './__fixtures__/attacks.ts';
import { fixtureRouters, type StartedRouter } from './__fixtures__/harness.ts';
import { SUBGRAPH_FAILURE_MESSAGE } from './subgraph-source.ts';

const routers = fixtureRouters();
let fx: Fixtures;
let key: SigningKey;

const start = (env: Record<string, string | undefined> = {}, subgraphUrls: Record<string, string> = {}) =>
  routers.start(env, { subgraphUrls, readiness: { timeoutMs: 500, reuseMs: 0 } });

// Production refuses the development secrets the fixtures' config carries.
const production = { NODE_ENV: 'production', DEV_JWT_SECRET: '', INTERNAL_API_KEY: '' };

let dev: StartedRouter;
let prod: StartedRouter;

beforeAll(async () => {
  ({ fx, key } = routers);
  dev = await start({ BODY_LIMIT: '64kb' });
  prod = await start(production);
});

const token = () => mint(userClaims(), { key });

describe('HTTP requests GraphQL never sees', () => {
  it('malformed JSON → 400 with the request id and meta', async () => {
    const a = await post(dev.url, '{"query": "{ jobs { id } }"', { 'x-request-id': 'req-json-1' });
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST', requestId: 'req-json-1' });
    expect(a.body.extensions?.meta?.request_id).toBe('req-json-1');
    expect(fx.requests()).toEqual([]);
  });

  it('a body over BODY_LIMIT → 413', async () => {
    const a = await post(dev.url, { query: `{ jobs { id } } # ${'x'.repeat(70 * 1024)}` }, bearer(await token()));
    expect(a.status).toBe(413);
    expect(a.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(fx.requests()).toEqual([]);
  });

  it.each([
    ['a batch', [{ query: '{ __typename }' }]],
    ['no query', { variables: {} }],
    ['a non-string query', { query: 42 }],
    ['variables that are not an object', { query: '{ __typename }', variables: [1] }],
    ['a non-string operationName', { query: '{ __typename }', operationName: 3 }],
    ['a JSON string', '"{ __typename }"'],
  ])('%s → 400 BAD_REQUEST', async (_n, body) => {
    const a = await post(dev.url, body);
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(a.body.extensions?.meta?.request_id).toBeTruthy();
  });

  it('a POST that is not JSON → 415 (no CSRF "simple request" can reach GraphQL)', async () => {
    const res = await fetch(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ __typename }"}',
    });
    expect(res.status).toBe(415);
  });

  it('an unsupported method → 405, an unknown path → 404, both JSON', async () => {
    const put = await fetch(dev.url, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, OPTIONS');
    const missing = await fetch(dev.url.replace('/graphql', '/nope'));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      'NOT_FOUND',
    );
  });

  it('a malformed Idempotency-Key or budget header → 400 before anything runs', async () => {
    const bad = await post(
      dev.url,
      { query: '{ jobs { id } }' },
      { ...bearer(await token()), 'idempotency-key': 'x'.repeat(300) },
    );
    expect(bad.status).toBe(400);
    const budget = await post(
      dev.url,
      { query: '{ jobs { id } }' },
      { ...bearer(await token()), 'x-budget-max-usd': '-1' },
    );
    expect(budget.status).toBe(400);
    expect(fx.requests()).toEqual([]);
  });
});

describe('operations whose variables nest deeper than the claims hash accepts (64 levels)', () => {
  /** `levels` objects nested in one another around a number. */
  const nested = (levels: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };
  const ENQUEUE = 'mutation ($p: JSON) { enqueueJob(type: "x", payload: $p) { id } }';

  it('20 000 levels → 400 BAD_REQUEST with meta, by POST and by GET, and nothing is called', async () => {
    // Arrays (2 bytes a level keep the body under this router's 64 KB limit), written by hand:
    // JSON.stringify itself recurses and would overflow first.
    const deepest = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const post20k = await post(
      dev.url,
      `{"query":${JSON.stringify(ENQUEUE)},"variables":{"p":${deepest}}}`,
      bearer(await token()),
    );
    expect(post20k.status, post20k.text).toBe(400);
    expect(post20k.body.errors?.[0]?.message).toBe('variables nested too deeply');
    expect(post20k.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(post20k.body.extensions?.meta?.request_id).toBe(post20k.headers.get('x-request-id'));
    // A GET of a query (the variable unused by the subquery or not) is refused the same way.
    const get = await fetch(
      `${dev.url}?query=${encodeURIComponent('{ jobs { id } }')}&variables=${encodeURIComponent(
        JSON.stringify({ p: nested(100) }),
      )}`,
      { headers: { ...bearer(await token()), 'apollo-require-preflight': 'true' } },
    );
    expect(get.status).toBe(400);
    expect(((await get.json()) as { errors: { message: string }[] }).errors[0]?.message).toBe(
      'variables nested too deeply',
    );
    expect(fx.requests()).toEqual([]);
  });

  it('64 levels in all (the variables object is the first) reach the subgraph; 65 do not', async () => {
    const ok = await post(dev.url, { query: ENQUEUE, variables: { p: nested(63) } }, bearer(await token()));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data).toEqual({ enqueueJob: { id: '99' } });
    fx.reset();
    const deep = await post(dev.url, { query: ENQUEUE, variables: { p: nested(64) } }, bearer(await token()));
    expect(deep.status).toBe(400);
    expect(fx.requests()).toEqual([]);
  });
});

describe('GET query strings Apollo would refuse without meta', () => {
  const get = (search: string, headers: Record<string, string> = {}) =>
    fetch(`${dev.url}?query=${encodeURIComponent('{ jobs { id } }')}&${search}`, {
      headers: { 'apollo-require-preflight': 'true', 'x-request-id': 'req-get-1', ...headers },
    });

  it.each([
    ['variables that are not JSON', 'variables=[1'],
    ['variables that are a JSON array', `variables=${encodeURIComponent('[1]')}`],
    ['variables that are a JSON string', `variables=${encodeURIComponent('"x"')}`],
    ['extensions that are not JSON', 'extensions={'],
    ['extensions that are null', 'extensions=null'],
    ['a repeated operationName', 'operationName=A&operationName=B'],
    ['a repeated variables', 'variables={}&variables={}'],
  ])('%s → 400 BAD_REQUEST with the request id and meta', async (_n, search) => {
    const res = await get(search, bearer(await token()));
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      errors: { extensions: Record<string, unknown> }[];
      extensions?: { meta?: { request_id: string } };
    };
    expect(body.errors[0]?.extensions).toEqual({ code: 'BAD_REQUEST', requestId: 'req-get-1' });
    expect(body.extensions?.meta?.request_id).toBe('req-get-1');
    expect(fx.requests()).toEqual([]);
  });

  it('a GET with a Content-Type other than JSON → 415 with meta; well-formed variables are served', async () => {
    const typed = await get('variables={}', { ...bearer(await token()), 'content-type': 'text/plain' });
    expect(typed.status).toBe(415);
    expect(((await typed.json()) as { extensions?: { meta?: unknown } }).extensions?.meta).toBeTruthy();
    const ok = await get(`variables=${encodeURIComponent('{"unused":1}')}&extensions={}`, bearer(await token()));
    expect(ok.status).toBe(200);
  });
});

describe('GraphQL-over-HTTP statuses', () => {
  it('parse and validation errors → 400; bad variables → 400 BAD_USER_INPUT; all with meta', async () => {
    const parseError = await post(dev.url, { query: '{ jobs { id }' }, bearer(await token()));
    expect(parseError.status).toBe(400);
    expect(parseError.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(parseError.body.extensions?.meta?.request_id).toBe(parseError.headers.get('x-request-id'));
    const invalid = await post(dev.url, { query: '{ jobs { nope } }' }, bearer(await token()));
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const variables = await post(
      dev.url,
      { query: 'query($c: String!) { failing(code: $c) { id } }', variables: { c: 5 } },
      bearer(await token()),
    );
    expect(variables.status).toBe(400);
    expect(variables.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fx.requests()).toEqual([]);
  });

  it('GET runs queries (with the CSRF header Apollo requires) and refuses mutations', async () => {
    const q = encodeURIComponent('{ jobs { id } }');
    const ok = await fetch(`${dev.url}?query=${q}`, {
      headers: { ...bearer(await token()), 'apollo-require-preflight': 'true' },
    });
    expect(ok.status).toBe(200);
    const csrf = await fetch(`${dev.url}?query=${q}`, {
      headers: { ...bearer(await token()), 'x-request-id': 'req-csrf' },
    });
    expect(csrf.status).toBe(400);
    // Refused by the router itself, so with the request id and meta like every other answer.
    const refusal = (await csrf.json()) as {
      errors: { extensions: Record<string, unknown> }[];
      extensions?: { meta?: { request_id: string } };
    };
    expect(refusal.errors[0]?.extensions).toEqual({ code: 'BAD_REQUEST', requestId: 'req-csrf' });
    expect(refusal.extensions?.meta?.request_id).toBe('req-csrf');
    const m = encodeURIComponent('mutation { leaseJobs(max: 1) { id } }');
    const mutation = await fetch(`${dev.url}?query=${m}`, {
      headers: { 'x-internal-api-key': INTERNAL_KEY, 'apollo-require-preflight': 'true' },
    });
    expect(mutation.status).toBe(405);
  });
});

describe('development conveniences, off in production', () => {
  it('serves Apollo Sandbox on GET with Accept: text/html in development only', async () => {
    const page = await fetch(dev.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/sandbox/i);
    // Pre-filled: the example operations, the header with where to paste the token, the dev login.
    expect(html).toContain('query Me {');
    expect(html).toContain('Authorization');
    expect(html).toContain('paste the accessToken that');
    expect(html).toContain(DEV_AUTH_USER.email);
    const none = await fetch(prod.url, { headers: { accept: 'text/html' } });
    expect(none.status).toBe(400);
    expect(none.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(
      ((await none.json()) as { extensions: { meta: { request_id: string } } }).extensions.meta.request_id,
    ).toBeTruthy();
  });

  it('answers introspection in development, refuses it in production (unless INTROSPECTION=true)', async () => {
    const q = { query: '{ __schema { queryType { name } } }' };
    expect((await post(dev.url, q)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const refused = await post(prod.url, q);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const opened = await start({ ...production, INTROSPECTION: 'true' });
    expect((await post(opened.url, q)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    // Turned on in production, Sandbox never offers the development login.
    const page = await (await fetch(opened.url, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('query Me {');
    expect(page).not.toContain(DEV_AUTH_USER.email);
  });

  it('hides field suggestions in production', async () => {
    const devAnswer = await post(dev.url, { query: '{ jobs { typ } }' }, bearer(await token()));
    expect(devAnswer.body.errors?.[0]?.message).toMatch(/Did you mean/);
    const prodAnswer = await post(prod.url, { query: '{ jobs { typ } }' }, bearer(await token()));
    expect(prodAnswer.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('anonymous validation errors in production name nothing outside the public operations', async () => {
    // The schema the router serves (no caller introspects all of it) and its public part.
    const api = fixtureApiSchema();
    const hidden = nonPublicNames(api, prod.router.supergraph.security);
    for (const name of ['jobs', 'Job', 'workers', 'Worker', 'leaseJobs', 'adminNote', 'logout'])
      expect(hidden).toContain(name);
    const docs = attacks(api);
    const leaks = async (headers: Record<string, string>) => {
      const found: string[] = [];
      for (const query of docs) {
        const a = await post(prod.url, { query }, headers);
        expect(a.status, `${query} → ${a.text}`).toBeLessThan(500);
        for (const e of a.body.errors ?? []) {
          expect(e.message, query).not.toMatch(/Did you mean/);
          found.push(
            ...quotedNames(e.message)
              .filter((n) => hidden.has(n))
              .map((n) => `${query} → ${n}`),
          );
        }
      }
      return found;
    };
    expect(await leaks({})).toEqual([]);
    expect(fx.requests()).toEqual([]);
    // Authenticated callers are validated against their own schema, which holds fields the
    // public one lacks: the same attacks name such fields to them, so the check above can fail.
    expect((await leaks(bearer(await token()))).length).toBeGreaterThan(0);
  });

  it("masks a subgraph's internal error message in production", async () => {
    const a = await post(prod.url, { query: '{ failing(code: "CRASH") { id } }' }, bearer(await token()));
    expect(a.body.errors?.[0]).toMatchObject({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(a.text).not.toMatch(/ECONNREFUSED|10\.9\.8\.7|node_modules/);
    // A refusal is never masked.
    const refusal = await post(prod.url, { query: '{ failing(code: "FORBIDDEN") { id } }' }, bearer(await token()));
    expect(refusal.body.errors?.[0]).toMatchObject({
      message: 'Only its owner may do this',
      extensions: { code: 'FORBIDDEN' },
    });
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('allows the configured origins, and Apollo Studio in development only', async () => {
    const ok = await preflight(dev.url, 'https://app.eventzr.example');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.eventzr.example');
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(ok.headers.get('access-control-allow-headers')).not.toContain('x-internal-api-key');
    expect((await preflight(dev.url, 'https://studio.apollographql.com')).status).toBe(204);
    expect((await preflight(prod.url, 'https://studio.apollographql.com')).status).toBe(403);
  });

  it('refuses other origins', async () => {
    const evil = await preflight(dev.url, 'https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await post(dev.url, { query: '{ __typename }' }, { origin: 'https://evil.example' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('health', () => {
  it('/healthz answers while the process runs; /readyz when every subgraph is ready', async () => {
    const health = await fetch(dev.url.replace('/graphql', '/healthz'));
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(dev.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      subgraphs: { auth: 'ready', jobs: 'ready' },
      store: 'ready',
      limits: 'memory',
    });
  });
});

describe('a subgraph that fails', () => {
  let mode: 'html500' | 'text200' | 'hang' | 'json502' = 'html500';
  let broken: http.Server;
  let brokenUrl: string;
  let deadUrl: string;
  let viaBroken: StartedRouter;
  let viaDead: StartedRouter;

  beforeAll(async () => {
    broken = http.createServer((req, res) => {
      if (req.url === '/readyz') return res.end('{"status":"ready"}');
      if (mode === 'hang') return; // never answers
      if (mode === 'html500') {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/html');
        return res.end('<pre>Error: boom\n    at Object.<anonymous> (/srv/jobs/src/db.ts:10:5)</pre>');
      }
      if (mode === 'json502') {
        res.statusCode = 502;
        res.setHeader('content-type', 'application/json');
        return res.end('{"message":"upstream 10.0.0.9 down"}');
      }
      res.setHeader('content-type', 'text/plain');
      res.end('OK but not JSON');
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}/graphql`;
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/graphql`;
    await new Promise<void>((r) => probe.close(() => r()));
    viaBroken = await start({ SUBGRAPH_TIMEOUT_MS: '300' }, { jobs: brokenUrl });
    viaDead = await start({}, { jobs: deadUrl });
  });
  afterAll(async () => {
    broken.closeAllConnections();
    await new Promise<void>((r) => broken.close(() => r()));
  });

  const expectMasked = async (url: string, port: string) => {
    const a = await post(url, { query: '{ jobs { id } }' }, bearer(await token()));
    expect(a.status).toBeLessThan(500);
    expect(a.body.errors).toEqual([
      {
        message: SUBGRAPH_FAILURE_MESSAGE,
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: a.body.extensions?.meta?.request_id },
      },
    ]);
    expect(a.text).not.toContain(port);
    expect(a.text).not.toMatch(/127\.0\.0\.1|10\.0\.0\.9|\/srv\/|Error:|stack/);
  };

  it.each(['html500', 'text200', 'json502', 'hang'] as const)(
    '%s → masked INTERNAL_SERVER_ERROR, no URL or internals',
    async (m) => {
      mode = m;
      await expectMasked(viaBroken.url, new URL(brokenUrl).port);
    },
  );

  it('an unreachable JWKS → 503 (retry later), not 401, and nothing is called', async () => {
    const noJwks = await start({ AUTH_JWKS_URL: deadUrl.replace('/graphql', '/.well-known/jwks.json') });
    const a = await post(noJwks.url, { query: '{ jobs { id } }' }, bearer(await token()));
    expect(a.status).toBe(503);
    expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(a.text).not.toContain(new URL(deadUrl).port);
    expect(fx.requests()).toEqual([]);
  });

  it('down (connection refused) → the retryable SERVICE_UNAVAILABLE, and /readyz says which subgraph is unavailable', async () => {
    const a = await post(viaDead.url, { query: '{ jobs { id } }' }, bearer(await token()));
    expect(a.status).toBe(503);
    expect(a.body.errors).toEqual([
      {
        message: 'The service is briefly unavailable; retry the request',
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, requestId: a.body.extensions?.meta?.request_id },
      },
    ]);
    expect(a.text).not.toContain(new URL(deadUrl).port);
    const ready = await fetch(viaDead.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      subgraphs: { auth: 'ready', jobs: 'unavailable' },
      store: 'ready',
      limits: 'memory',
    });
  });
});
