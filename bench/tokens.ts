// What access-token verification costs the router, and what its cache saves: RS256 verification
// with jose (the auth subgraph's algorithm) through router/src/auth/tokens.ts, every request
// verified (cache bypassed by alternating more tokens than it holds) versus the same token
// served from the verified-token cache. Run: npm run bench -- tokens
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createTokenVerifier } from '../router/src/auth/tokens.ts';

const ISS = 'https://auth.eventzr.local';
const AUD = 'eventzr-api';

export async function runTokenBench(durationMs = 1500): Promise<Record<string, number>> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const keys = createLocalJWKSet({ keys: [jwk] });
  const mint = (i: number) =>
    new SignJWT({
      tenantId: '00000000-0000-4000-8000-000000000001',
      email: `u${i}@eventzr.com`,
      name: 'U',
      roles: ['user'],
      permissions: [],
      planTier: 'professional',
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject(`user-${i}`)
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  const tokens = await Promise.all(Array.from({ length: 16 }, (_, i) => mint(i)));
  const issuers = [{ label: 'auth', issuer: ISS, audience: AUD, algorithms: ['RS256'], key: keys }];

  async function measure(label: string, verifier: ReturnType<typeof createTokenVerifier>, pick: (i: number) => string) {
    for (let i = 0; i < 200; i++) await verifier.verify(pick(i));
    let n = 0;
    const before = { ...verifier.stats };
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) await verifier.verify(pick(n++));
    const us = ((performance.now() - t0) / n) * 1000;
    const verifications = verifier.stats.verifications - before.verifications;
    console.log(
      `  ${label.padEnd(44)} ${us.toFixed(1).padStart(8)} µs/request  (${n} requests, ${verifications} signature verifications)`,
    );
    return us;
  }

  console.log('\nAccess-token verification in the router (RS256, jose)');
  // A cache of 8 entries and 16 tokens in turn: every request misses, as without a cache.
  const cold = await measure(
    'every request verified (cache defeated)',
    createTokenVerifier({ issuers, clockToleranceSeconds: 5, cacheMax: 8 }),
    (i) => tokens[i % 16]!,
  );
  const warm = await measure(
    'same token, served from the cache',
    createTokenVerifier({ issuers, clockToleranceSeconds: 5, cacheMax: 10_000 }),
    () => tokens[0]!,
  );
  console.log(`  cache speed-up: ${(cold / warm).toFixed(1)}×`);
  return { coldMicros: cold, warmMicros: warm, speedup: cold / warm };
}

if (import.meta.url === `file://${process.argv[1]}`) await runTokenBench();
