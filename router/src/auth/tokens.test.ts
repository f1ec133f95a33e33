import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  ISSUER,
  TENANT_A,
  mint,
  routerConfig,
  rsaKey,
  userClaims,
  type SigningKey,
} from '../__fixtures__/fixtures.ts';
import { TokenError, authJwksUrl, createTokenVerifier, trustedIssuers } from './tokens.ts';

let key: SigningKey;
beforeAll(async () => {
  key = await rsaKey('k1');
});

const verifier = (cacheMax = 100, now?: () => number) =>
  createTokenVerifier({
    issuers: [
      {
        label: 'auth',
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        key: createLocalJWKSet({ keys: [key.publicJwk] }),
      },
    ],
    clockToleranceSeconds: 0,
    cacheMax,
    now,
  });

describe('token verifier', () => {
  it('turns verified claims into a user caller with effective permissions', async () => {
    const caller = await verifier().verify(
      await mint(userClaims({ roles: ['member'], permissions: ['reports:export'] }), { key }),
    );
    expect(caller).toMatchObject({ kind: 'user', tenantId: TENANT_A, roles: ['user'], issuer: 'auth' });
    expect(caller.permissions).toContain('jobs:read');
    expect(caller.permissions).toContain('reports:export');
    expect(Object.isFrozen(caller) && Object.isFrozen(caller.permissions)).toBe(true);
  });

  it('keeps at most TOKEN_CACHE_MAX verified tokens (least recently used goes first)', async () => {
    const v = verifier(2);
    const [a, b, c] = await Promise.all([1, 2, 3].map((i) => mint(userClaims({ sub: `u${i}` }), { key })));
    await v.verify(a!);
    await v.verify(b!);
    await v.verify(a!);
    expect(v.stats).toEqual({ verifications: 2, cacheHits: 1 });
    await v.verify(c!); // evicts b
    await v.verify(a!);
    await v.verify(b!);
    expect(v.stats).toEqual({ verifications: 4, cacheHits: 2 });
  });

  it('classifies failures: expired, invalid, and an unreachable key set (not the caller’s fault)', async () => {
    let t = Date.now();
    const v = verifier(10, () => t);
    const token = await mint(userClaims(), { key, expiresIn: 10 });
    await v.verify(token);
    t += 11_000;
    await expect(v.verify(token)).rejects.toMatchObject({ failure: 'expired' });
    await expect(v.verify('a.b.c')).rejects.toMatchObject({ failure: 'invalid' });
    await expect(v.verify('x'.repeat(9000))).rejects.toBeInstanceOf(TokenError);

    const unreachable = createTokenVerifier({
      issuers: trustedIssuers(
        await routerConfig({ JWT_ISSUER: ISSUER, AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' }),
      ),
      clockToleranceSeconds: 0,
      cacheMax: 10,
    });
    await expect(unreachable.verify(await mint(userClaims(), { key }))).rejects.toMatchObject({
      failure: 'unavailable',
    });
  });

  it.each([
    ['a 502', 502, 'application/json', '{"message":"bad gateway"}'],
    ['an HTML page with 200', 200, 'text/html', '<html><body>Maintenance</body></html>'],
  ])(
    'a JWKS endpoint answering %s is an outage (unavailable → 503), not a bad token',
    async (_n, status, type, body) => {
      const server = http.createServer((_req, res) => {
        res.statusCode = status;
        res.setHeader('content-type', type);
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
        const v = createTokenVerifier({
          issuers: trustedIssuers(await routerConfig({ JWT_ISSUER: ISSUER, AUTH_JWKS_URL: url })),
          clockToleranceSeconds: 0,
          cacheMax: 10,
        });
        await expect(v.verify(await mint(userClaims(), { key }))).rejects.toMatchObject({ failure: 'unavailable' });
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
  );

  it("defaults the JWKS to the token-issuing subgraph's origin, as the router reaches it", async () => {
    const config = await routerConfig({});
    const subgraphs = [
      { name: 'auth', url: 'http://auth.internal:4001/graphql' },
      { name: 'jobs', url: 'http://jobs.internal:4002/graphql' },
    ];
    expect(authJwksUrl(config, subgraphs).toString()).toBe('http://auth.internal:4001/.well-known/jwks.json');
    expect(authJwksUrl({ ...config, TOKEN_ISSUER_SUBGRAPH: 'jobs' }, subgraphs).toString()).toBe(
      'http://jobs.internal:4002/.well-known/jwks.json',
    );
    expect(authJwksUrl({ ...config, AUTH_JWKS_URL: 'https://keys.example/jwks' }).toString()).toBe(
      'https://keys.example/jwks',
    );
    expect(() => authJwksUrl(config, subgraphs.slice(1))).toThrow(
      /TOKEN_ISSUER_SUBGRAPH "auth" is not a subgraph of the supergraph: set AUTH_JWKS_URL/,
    );
  });

  it('trusts the development issuer only outside production, and Auth0 only when configured', async () => {
    const subgraphs = [{ name: 'auth', url: 'http://auth:4001/graphql' }];
    const labels = async (env: Record<string, string>) =>
      trustedIssuers(await routerConfig(env), { subgraphs }).map((i) => i.label);
    expect(await labels({})).toEqual(['auth', 'development']);
    expect(await labels({ DEV_JWT_SECRET: '' })).toEqual(['auth']);
    expect(
      await labels({
        AUTH0_DOMAIN: 't.auth0.com',
        AUTH0_ISSUER: 'https://t.auth0.com/',
        AUTH0_AUDIENCE: 'https://api',
        DEV_JWT_SECRET: '',
      }),
    ).toEqual(['auth', 'auth0']);
  });
});
