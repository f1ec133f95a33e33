// Internal callers, each with its own credential: the stored form (a digest, never the key), the
// scopes a credential holds at layer 1, unknown and revoked keys, the development key refused in
// production, and mTLS on the worker protocol (certificates made at run time by a test CA).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@eventzr/lib/config';
import { createTestCa, postJsonTls, type Pem, type TestCa } from '@eventzr/lib/testing/certificates';
import {
  INTERNAL_KEY,
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
import {
  CredentialConfigError,
  DEVELOPMENT_CREDENTIAL_ID,
  credentialLine,
  credentialStore,
  keyDigest,
  newCredential,
  parseCredentials,
} from './auth/credentials.ts';
import { routerEnvSchema } from './config.ts';
import { createRouter, type Router } from './router.ts';

const LEASE = 'mutation { leaseJobs(max: 1) { id } }';
const WORKER_SCOPE = 'internal:jobs.worker';

const poolA = newCredential('pool-a', [WORKER_SCOPE]);
const poolB = newCredential('pool-b', [WORKER_SCOPE]);
const scheduler = newCredential('scheduler', ['internal:cpaas.outbox']);
const retired = newCredential('retired-pool', [WORKER_SCOPE]);
const CREDENTIALS = [
  credentialLine(poolA.credential),
  credentialLine(poolB.credential),
  credentialLine(scheduler.credential),
  credentialLine({ ...retired.credential, revoked: true }),
].join('\n');

describe('credentials: stored form and matching', () => {
  it('stores a SHA-256 digest and the scopes, never the key', () => {
    const { key, credential } = newCredential('pool-x', [WORKER_SCOPE]);
    const line = credentialLine(credential);
    expect(key).toMatch(/^ezi_[A-Za-z0-9_-]{43}$/);
    expect(line).toBe(`pool-x sha256=${keyDigest(key)} scopes=${WORKER_SCOPE}`);
    expect(line).not.toContain(key);
    expect(line).not.toContain(key.slice(4));
    // The stored line parses back to the same credential, and matches the key it was made for only.
    const [parsed] = parseCredentials(line);
    expect(parsed).toEqual(credential);
    const store = credentialStore([parsed!]);
    expect(store.match(key)).toMatchObject({ ok: true, credential: { id: 'pool-x', scopes: [WORKER_SCOPE] } });
    expect(store.match(`${key}x`)).toEqual({ ok: false, reason: 'unknown internal key' });
    expect(store.match(line)).toEqual({ ok: false, reason: 'unknown internal key' });
  });

  it('a revoked credential matches as revoked; an empty or overlong key as unknown', () => {
    const store = credentialStore(parseCredentials(CREDENTIALS));
    expect(store.match(retired.key)).toEqual({ ok: false, reason: 'revoked internal key' });
    expect(store.match('')).toEqual({ ok: false, reason: 'unknown internal key' });
    expect(store.match('x'.repeat(10_000))).toEqual({ ok: false, reason: 'unknown internal key' });
    expect(store.match(poolB.key)).toMatchObject({ ok: true, credential: { id: 'pool-b' } });
  });

  it('refuses malformed lines with every problem named', () => {
    expect(() => parseCredentials('Pool! sha256=00 scopes=internal')).toThrow(CredentialConfigError);
    const digest = 'a'.repeat(64);
    expect(() => parseCredentials(`a sha256=${digest} scopes=jobs:read`)).toThrow(/not an internal scope/);
    expect(() =>
      parseCredentials(`a sha256=${digest} scopes=internal:x.y; a sha256=${'b'.repeat(64)} scopes=internal:x.y`),
    ).toThrow(/listed twice/);
    expect(() => parseCredentials(`a key=secret sha256=${digest} scopes=internal:x.y`)).toThrow(/unknown field "key"/);
    expect(() => parseCredentials(`a scopes=internal:x.y`)).toThrow(/sha256=/);
    // The router calls subgraphs as `router` itself: no credential may pass for it.
    expect(() => parseCredentials(`router sha256=${digest} scopes=internal:auth.provision`)).toThrow(
      /the router's own/,
    );
    expect(parseCredentials(`# a comment\n\na sha256=${digest} scopes=internal:x.y,internal:x.y revoked`)).toEqual([
      { id: 'a', sha256: digest, scopes: ['internal:x.y'], revoked: true },
    ]);
  });

  it('the development key is refused when NODE_ENV=production; INTERNAL_CREDENTIALS is checked at start', async () => {
    const base = await routerConfig();
    const env = (over: Record<string, string>) => ({
      NODE_ENV: 'production',
      ROUTER_CLAIMS_PRIVATE_KEY: base.ROUTER_CLAIMS_PRIVATE_KEY!,
      ...over,
    });
    const problem = (over: Record<string, string>) => {
      try {
        parseConfig(routerEnvSchema, env(over));
        return undefined;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.message;
      }
    };
    expect(problem({ INTERNAL_API_KEY: INTERNAL_KEY })).toMatch(/INTERNAL_API_KEY.*refused when NODE_ENV=production/);
    expect(problem({ INTERNAL_CREDENTIALS: CREDENTIALS })).toBeUndefined();
    expect(problem({ INTERNAL_CREDENTIALS: 'pool sha256=zz scopes=internal:jobs.worker' })).toMatch(
      /INTERNAL_CREDENTIALS/,
    );
    expect(problem({ ROUTER_MTLS_CA: 'x' })).toMatch(/ROUTER_MTLS_CA/);
  });
});

let fx: Fixtures;
let jwks: JwksServer;
let key: SigningKey;
let router: Router;
let url: string;

beforeAll(async () => {
  [fx, key] = await Promise.all([startFixtures(), rsaKey('key-1')]);
  jwks = await startJwksServer([key.publicJwk]);
  router = await createRouter(
    await routerConfig({
      ...fixtureRouterEnv(fx, jwks.url),
      INTERNAL_CREDENTIALS: CREDENTIALS,
    }),
    { supergraphSdl: fx.supergraphSdl },
  );
  url = (await router.listen(0)).url;
});
afterAll(async () => {
  await router?.stop();
  await jwks?.close();
  await fx?.close();
});
beforeEach(() => fx.reset());

function expectRefused(a: Answer, status: number, code: string) {
  expect(a.status, a.text).toBe(status);
  expect(a.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(fx.requests()).toEqual([]);
}

describe('internal credentials over HTTP (layer 1)', () => {
  it("a credential holding internal:jobs.worker runs the worker protocol; the subgraph learns the credential's id and scopes", async () => {
    const a = await post(url, { query: LEASE }, { 'x-internal-api-key': poolA.key, 'x-internal-service': 'w-1' });
    expect(a.status, a.text).toBe(200);
    expect(fx.calls()).toEqual([
      {
        field: 'leaseJobs',
        caller: { kind: 'internal', service: 'w-1', credentialId: 'pool-a', scopes: [WORKER_SCOPE] },
      },
    ]);
  });

  it('a credential without internal:jobs.worker is refused (403) before any subgraph is called', async () => {
    const a = await post(url, { query: LEASE }, { 'x-internal-api-key': scheduler.key });
    expectRefused(a, 403, 'FORBIDDEN');
    expect(a.body.errors?.[0]?.extensions?.requiredPermissions).toEqual([WORKER_SCOPE]);
  });

  it('an unknown key, a revoked credential, or the stored line sent as a key → 401', async () => {
    for (const presented of [retired.key, `${poolA.key}x`, credentialLine(poolA.credential), keyDigest(poolA.key)])
      expectRefused(await post(url, { query: LEASE }, { 'x-internal-api-key': presented }), 401, 'UNAUTHENTICATED');
  });

  it('with INTERNAL_CREDENTIALS set and no INTERNAL_API_KEY, the development key is nobody', async () => {
    const r = await createRouter(
      await routerConfig({
        ...fixtureRouterEnv(fx, jwks.url),
        INTERNAL_API_KEY: undefined,
        INTERNAL_CREDENTIALS: CREDENTIALS,
      }),
      { supergraphSdl: fx.supergraphSdl },
    );
    const l = await r.listen(0);
    try {
      expectRefused(
        await post(l.url, { query: LEASE }, { 'x-internal-api-key': INTERNAL_KEY }),
        401,
        'UNAUTHENTICATED',
      );
    } finally {
      await r.stop();
    }
  });

  it(`the development key (INTERNAL_API_KEY) is the "${DEVELOPMENT_CREDENTIAL_ID}" credential with every internal scope the supergraph asks`, async () => {
    const a = await post(url, { query: LEASE }, { 'x-internal-api-key': INTERNAL_KEY });
    expect(a.status, a.text).toBe(200);
    expect(fx.calls()[0]?.caller).toMatchObject({ credentialId: DEVELOPMENT_CREDENTIAL_ID, scopes: [WORKER_SCOPE] });
  });
});

describe('mTLS on the worker protocol (ROUTER_MTLS_CA)', () => {
  let ca: TestCa;
  let tlsRouter: Router;
  let tlsUrl: string;
  let clientA: Pem;
  let clientB: Pem;
  let stranger: Pem;

  beforeAll(async () => {
    ca = await createTestCa('EventZR Test CA');
    const otherCa = await createTestCa('Somebody Else CA');
    const server = await ca.issue({ cn: 'router', server: true });
    [clientA, clientB, stranger] = await Promise.all([
      ca.issue({ cn: 'pool-a' }),
      ca.issue({ cn: 'pool-b' }),
      otherCa.issue({ cn: 'pool-a' }),
    ]);
    tlsRouter = await createRouter(
      await routerConfig({
        ...fixtureRouterEnv(fx, jwks.url),
        INTERNAL_CREDENTIALS: CREDENTIALS,
        ROUTER_TLS_CERT: server.cert,
        ROUTER_TLS_KEY: server.key,
        ROUTER_MTLS_CA: ca.cert,
      }),
      { supergraphSdl: fx.supergraphSdl },
    );
    tlsUrl = (await tlsRouter.listen(0)).url;
  });
  afterAll(async () => {
    await tlsRouter?.stop();
  });

  const lease = (client: Pem | undefined, apiKey = poolA.key) =>
    postJsonTls(
      tlsUrl,
      { query: LEASE },
      { ca: ca.cert, ...(client ? { client } : {}), headers: { 'x-internal-api-key': apiKey } },
    );

  it('serves HTTPS', () => {
    expect(tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
  });

  it('without a client certificate the worker protocol is refused (403), no subgraph called', async () => {
    const a = await lease(undefined);
    expect(a.status).toBe(403);
    expect(a.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(a.body.errors?.[0]?.message).toMatch(/client certificate/);
    expect(fx.requests()).toEqual([]);
  });

  it("with a certificate from the CA naming the key's credential it is served", async () => {
    const a = await lease(clientA);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.data).toEqual({ leaseJobs: expect.any(Array) });
    expect(fx.calls()).toEqual([{ field: 'leaseJobs', caller: expect.objectContaining({ credentialId: 'pool-a' }) }]);
  });

  it('a certificate from another CA is no certificate: refused', async () => {
    const a = await lease(stranger);
    expect(a.status).toBe(403);
    expect(a.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(fx.requests()).toEqual([]);
  });

  it("the CA's certificate of another credential does not go with this key: refused", async () => {
    const a = await lease(clientB);
    expect(a.status).toBe(403);
    expect(a.body.errors?.[0]?.message).toMatch(/does not belong/);
    expect(fx.requests()).toEqual([]);
    // ...and with its own key, that certificate is served.
    expect((await lease(clientB, poolB.key)).status).toBe(200);
  });

  it('a certificate is no credential: without a key the request is anonymous and refused (401)', async () => {
    const a = await postJsonTls(tlsUrl, { query: LEASE }, { ca: ca.cert, client: clientA });
    expect(a.status).toBe(401);
    expect(fx.requests()).toEqual([]);
  });

  it('other operations need no client certificate (web apps have none)', async () => {
    const token = await mint(userClaims(), { key });
    const a = await postJsonTls(tlsUrl, { query: '{ jobs { id } }' }, { ca: ca.cert, headers: bearer(token) });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
  });
});
