// Claims tokens are accepted once: the verifier remembers each fully verified token's jti (keyed by
// audience and jti, for the token's remaining life plus the clock tolerance) and refuses a second
// use; garbage is never recorded; a store that cannot answer refuses the request as retryable.
// Across processes sharing Redis: test/replay.test.ts.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'graphql';
import { decodeJwt, generateKeyPair, exportPKCS8, importPKCS8, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CLAIMS_CLOCK_TOLERANCE_SECONDS,
  CLAIMS_HEADER,
  CLAIMS_ISSUER,
  ClaimsTokenError,
  createClaimsSigner,
  createClaimsVerifier,
  operationHash,
  type Caller,
} from './claims.ts';
import { claimsReplayGuard, replayKey, ReplayStoreUnavailableError } from './replay.ts';
import { allow } from './shield.ts';
import { memoryStore, redisStore, type SharedStore } from './store.ts';
import { startTestServer, testClaimsKeys, userCaller, type TestServer } from './testing.ts';

const caller = userCaller({ tenantId: '00000000-0000-4000-8000-00000000000a', permissions: ['jobs:read'] });
const query = 'query Q($id: ID!) { job(id: $id) { id } }';
const variables = { id: '1' };
const expected = { audience: 'jobs', opHash: operationHash(query, variables) };
const tolerance = { clockToleranceSeconds: CLAIMS_CLOCK_TOLERANCE_SECONDS };

/** A memory store that also counts its writes and keeps the lifetimes asked for. */
function countingStore(opts: { now?: () => number } = {}) {
  const inner = memoryStore(opts);
  const writes: { key: string; ttlMs: number }[] = [];
  const store: SharedStore = {
    ...inner,
    async setIfAbsent(key, value, ttlMs) {
      writes.push({ key, ttlMs });
      return inner.setIfAbsent(key, value, ttlMs);
    },
  };
  return { store, writes };
}

async function tokenWith(claims: Record<string, unknown>, opts: { key?: string; expiresIn?: string | number } = {}) {
  const keys = await testClaimsKeys();
  const key = await importPKCS8(opts.key ?? keys.ROUTER_CLAIMS_PRIVATE_KEY!, 'EdDSA');
  return new SignJWT({ caller, oph: expected.opHash, rid: 'r', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'eventzr-claims+jwt' })
    .setIssuer(CLAIMS_ISSUER)
    .setAudience(typeof claims.aud === 'string' ? claims.aud : 'jobs')
    .setIssuedAt(typeof claims.iat === 'number' ? claims.iat : undefined)
    .setExpirationTime(opts.expiresIn ?? '60s')
    .setJti(typeof claims.jti === 'string' ? claims.jti : crypto.randomUUID())
    .sign(key);
}

describe('the claims verifier with replay memory', () => {
  it('accepts a token once and refuses its second use; another token of the same request passes', async () => {
    const keys = await testClaimsKeys();
    const { store, writes } = countingStore();
    const verifier = await createClaimsVerifier(keys, { replay: claimsReplayGuard(store, tolerance) });
    const signer = await createClaimsSigner(keys);
    const sign = () => signer.sign({ caller, audience: 'jobs', opHash: expected.opHash, requestId: 'r' });
    const token = await sign();
    expect((await verifier.verify(token, expected)).caller).toEqual(caller);
    await expect(verifier.verify(token, expected)).rejects.toThrow(new ClaimsTokenError('claims token already used'));
    // The router signs every fetch afresh: the same operation again carries a new jti.
    expect((await verifier.verify(await sign(), expected)).caller).toEqual(caller);
    expect(writes).toHaveLength(3);
    await store.close();
  });

  it('records nothing for a token that fails any other check, so a refused copy spends nothing', async () => {
    const keys = await testClaimsKeys();
    const { store, writes } = countingStore();
    const verifier = await createClaimsVerifier(keys, { replay: claimsReplayGuard(store, tolerance) });
    const other = await generateKeyPair('EdDSA', { extractable: true });
    const now = Math.floor(Date.now() / 1000);
    const jti = crypto.randomUUID();
    const refused = [
      'not a token',
      await tokenWith({ jti }, { key: await exportPKCS8(other.privateKey) }), // forged
      await tokenWith({ jti, aud: 'auth' }), // another subgraph's
      await tokenWith({ jti, oph: operationHash(query, { id: '2' }) }), // another operation
      await tokenWith({ jti, iat: now - 120 }, { expiresIn: now - 60 }), // expired
      await tokenWith({ jti }, { expiresIn: '1h' }), // longer-lived than the router mints
      await tokenWith({ jti, caller: { kind: 'root' } }), // no valid caller
    ];
    for (const token of refused) await expect(verifier.verify(token, expected)).rejects.toThrow(ClaimsTokenError);
    expect(writes).toEqual([]);
    // The genuine token with the same jti still works: none of the copies above spent it.
    expect((await verifier.verify(await tokenWith({ jti }), expected)).caller).toEqual(caller);
    expect(writes.map((w) => w.key)).toEqual([replayKey('jobs', jti)]);
    await store.close();
  });

  it("keys a record by audience and jti, for the token's remaining life plus the clock tolerance", async () => {
    const { store, writes } = countingStore();
    const guard = claimsReplayGuard(store, tolerance);
    const exp = Math.floor(Date.now() / 1000) + 30;
    await guard.remember('jobs', 'j-1', exp);
    await guard.remember('auth', 'j-1', exp); // another subgraph's memory
    await expect(guard.remember('jobs', 'j-1', exp)).rejects.toThrow('claims token already used');
    expect(writes.map((w) => w.key)).toEqual(['claims-jti:jobs:j-1', 'claims-jti:auth:j-1', 'claims-jti:jobs:j-1']);
    for (const { ttlMs } of writes) {
      expect(ttlMs).toBeGreaterThan((30 + CLAIMS_CLOCK_TOLERANCE_SECONDS - 2) * 1000);
      expect(ttlMs).toBeLessThanOrEqual((30 + CLAIMS_CLOCK_TOLERANCE_SECONDS) * 1000);
    }
    await expect(guard.remember('jobs', 'x'.repeat(129), exp)).rejects.toThrow('claims token id is malformed');
    await store.close();
  });

  describe('expiry (a fake clock)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('a record outlives every instant at which jose would still accept the token', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      const t0 = Date.UTC(2026, 10, 30, 3, 0, 0);
      vi.setSystemTime(t0);
      const keys = await testClaimsKeys();
      const now = () => Date.now();
      const store = memoryStore({ now });
      const verifier = await createClaimsVerifier(keys, { replay: claimsReplayGuard(store, { ...tolerance, now }) });
      const joseOnly = await createClaimsVerifier(keys);
      const signer = await createClaimsSigner(keys);
      const token = await signer.sign({ caller, audience: 'jobs', opHash: expected.opHash, requestId: 'r' });
      await verifier.verify(token, expected);
      const key = replayKey('jobs', decodeJwt(token).jti!);
      const seen = { joseAccepts: 0, joseRefuses: 0 };
      const end = (keys.CLAIMS_TOKEN_TTL_SECONDS + CLAIMS_CLOCK_TOLERANCE_SECONDS + 3) * 1000;
      for (let ms = 0; ms <= end; ms += 250) {
        vi.setSystemTime(t0 + ms);
        const joseAccepts = await joseOnly.verify(token, expected).then(
          () => true,
          () => false,
        );
        seen[joseAccepts ? 'joseAccepts' : 'joseRefuses']++;
        // Whenever jose alone would still take the token, its record is still there...
        if (joseAccepts) expect(await store.get(key), `at +${ms} ms`).toBe('1');
        // ...so with the replay memory it is refused at every instant.
        await expect(verifier.verify(token, expected), `at +${ms} ms`).rejects.toThrow(ClaimsTokenError);
      }
      expect(seen.joseAccepts).toBeGreaterThan(200);
      expect(seen.joseRefuses).toBeGreaterThan(5);
      // And the record does not linger once jose refuses by itself.
      expect(await store.get(key)).toBeUndefined();
      await store.close();
    });
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('a subgraph server with replay memory', () => {
  let runs = 0;
  const definition = {
    name: 'jobs',
    typeDefs: parse('type Query { echo(v: String): String }'),
    resolvers: {
      Query: {
        echo: (_p: unknown, args: { v?: string }) => {
          runs++;
          return args.v ?? null;
        },
      },
    } as never,
    permissions: { Query: { _service: allow, echo: allow } },
    createLoaders: () => ({}),
  };
  const migrationsFolder = join(import.meta.dirname, '__fixtures__', 'confined');
  const echo = 'query ($v: String) { echo(v: $v) }';
  const anonymous: Caller = { kind: 'anonymous' };
  let sg: TestServer;
  let down: TestServer;
  beforeAll(async () => {
    sg = await startTestServer(definition, { migrationsFolder });
    down = await startTestServer(definition, {
      migrationsFolder,
      store: redisStore({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 500 }),
    });
  });
  afterAll(async () => {
    await sg?.close();
    await down?.close();
  });

  it('answers a replayed claims token 401 UNAUTHENTICATED, and the operation runs once', async () => {
    const token = await sg.sign(anonymous, echo, { v: 'once' });
    const before = runs;
    const first = await sg.post({ query: echo, variables: { v: 'once' } }, { [CLAIMS_HEADER]: token });
    expect(first).toEqual({ status: 200, body: { data: { echo: 'once' } } });
    const again = await sg.post(
      { query: echo, variables: { v: 'once' } },
      { [CLAIMS_HEADER]: token, 'x-request-id': 'replayed' },
    );
    expect(again).toEqual({
      status: 401,
      body: {
        errors: [{ message: 'Invalid claims token', extensions: { code: 'UNAUTHENTICATED', requestId: 'replayed' } }],
      },
    });
    expect(runs - before).toBe(1);
  });

  it('fails closed with a retryable 503 while the shared store is unreachable, and stays up', async () => {
    const before = runs;
    const token = await down.sign(anonymous, echo, { v: 'x' });
    const res = await fetch(down.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CLAIMS_HEADER]: token, 'x-request-id': 'store-down' },
      body: JSON.stringify({ query: echo, variables: { v: 'x' } }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      errors: [
        {
          message: 'Temporarily unable to accept requests; retry shortly',
          extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, requestId: 'store-down' },
        },
      ],
    });
    expect(runs).toBe(before);
    // A refusal before verification still answers as before; the process is alive.
    expect((await down.post({ query: echo }, {})).status).toBe(401);
    expect((await fetch(new URL('/healthz', down.url))).status).toBe(200);
    // ...and not ready: a load balancer sends its requests to a replica that can serve them.
    const ready = await fetch(new URL('/readyz', down.url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'the shared store (Redis) does not answer' });
  });

  it('the store error reaches the server as ReplayStoreUnavailableError, not as a refusal of the token', async () => {
    const store = redisStore({ url: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 300 });
    try {
      const guard = claimsReplayGuard(store, tolerance);
      const err = await guard.remember('jobs', 'j', Math.floor(Date.now() / 1000) + 60).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReplayStoreUnavailableError);
      expect(err).not.toBeInstanceOf(ClaimsTokenError);
    } finally {
      await store.close();
    }
  });
});
