import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  ClaimsTokenError,
  createClaimsSigner,
  createClaimsVerifier,
  jsonDeeperThan,
  JsonDepthError,
  MAX_VARIABLES_DEPTH,
  operationHash,
  type UserCaller,
} from './claims.ts';
import { testClaimsKeys } from './testing.ts';

const caller: UserCaller = {
  kind: 'user',
  userId: 'u1',
  tenantId: '00000000-0000-4000-8000-000000000001',
  email: 'a@b.c',
  name: 'A',
  roles: ['user'],
  permissions: ['jobs:read'],
  planTier: 'starter',
  issuer: 'test',
};
const q = 'query Q($id: ID!) { job(id: $id) { id } }';

describe('router claims token', () => {
  it('round-trips the caller for the right audience and operation', async () => {
    const keys = await testClaimsKeys();
    const token = await (
      await createClaimsSigner(keys)
    ).sign({
      caller,
      audience: 'jobs',
      opHash: operationHash(q, { id: '1' }),
      requestId: 'r1',
    });
    const out = await (
      await createClaimsVerifier(keys)
    ).verify(token, { audience: 'jobs', opHash: operationHash(q, { id: '1' }) });
    expect(out).toEqual({ caller, requestId: 'r1' });
  });

  it("carries an internal caller's credential id and scopes; refuses an internal caller without them", async () => {
    const keys = await testClaimsKeys();
    const [signer, verifier] = await Promise.all([createClaimsSigner(keys), createClaimsVerifier(keys)]);
    const opHash = operationHash(q, {});
    const internal = {
      kind: 'internal',
      service: 'w-1',
      credentialId: 'pool-a',
      scopes: ['internal:jobs.worker'],
    } as const;
    const token = await signer.sign({
      caller: { ...internal, scopes: [...internal.scopes] },
      audience: 'jobs',
      opHash,
      requestId: 'r',
    });
    expect((await verifier.verify(token, { audience: 'jobs', opHash })).caller).toEqual(internal);
    // A token naming an internal caller without its credential (the shared key's former shape) is refused.
    const legacy = await signer.sign({
      caller: { kind: 'internal', service: 'scheduler' } as never,
      audience: 'jobs',
      opHash,
      requestId: 'r',
    });
    await expect(verifier.verify(legacy, { audience: 'jobs', opHash })).rejects.toThrow(/no valid caller/);
  });

  it('cannot be replayed for another subgraph, operation or variables', async () => {
    const keys = await testClaimsKeys();
    const verifier = await createClaimsVerifier(keys);
    const token = await (
      await createClaimsSigner(keys)
    ).sign({ caller, audience: 'jobs', opHash: operationHash(q, { id: '1' }), requestId: 'r' });
    await expect(
      verifier.verify(token, { audience: 'auth', opHash: operationHash(q, { id: '1' }) }),
    ).rejects.toBeInstanceOf(ClaimsTokenError);
    await expect(verifier.verify(token, { audience: 'jobs', opHash: operationHash(q, { id: '2' }) })).rejects.toThrow(
      /another operation/,
    );
    await expect(
      verifier.verify(token, { audience: 'jobs', opHash: operationHash('{ jobs { totalCount } }', { id: '1' }) }),
    ).rejects.toThrow();
  });

  it('refuses tokens from another key, long-lived tokens and HS256 forgeries', async () => {
    const keys = await testClaimsKeys();
    const verifier = await createClaimsVerifier(keys);
    const opHash = operationHash(q, {});
    const other = await createClaimsSigner({ ROUTER_CLAIMS_SECRET: 'x'.repeat(40), CLAIMS_TOKEN_TTL_SECONDS: 60 });
    await expect(
      verifier.verify(await other.sign({ caller, audience: 'jobs', opHash, requestId: 'r' }), {
        audience: 'jobs',
        opHash,
      }),
    ).rejects.toBeInstanceOf(ClaimsTokenError);
    // HS256 "signed" with the public key text: the algorithm confusion attack.
    const forged = await new SignJWT({ caller, oph: opHash })
      .setProtectedHeader({ alg: 'HS256', typ: 'eventzr-claims+jwt' })
      .setIssuer('eventzr-router')
      .setAudience('jobs')
      .setIssuedAt()
      .setJti('j')
      .setExpirationTime('30s')
      .sign(new TextEncoder().encode(keys.ROUTER_CLAIMS_PUBLIC_KEY));
    await expect(verifier.verify(forged, { audience: 'jobs', opHash })).rejects.toBeInstanceOf(ClaimsTokenError);
    const longLived = await createClaimsSigner({ ...keys, CLAIMS_TOKEN_TTL_SECONDS: 3600 });
    await expect(
      verifier.verify(await longLived.sign({ caller, audience: 'jobs', opHash, requestId: 'r' }), {
        audience: 'jobs',
        opHash,
      }),
    ).rejects.toThrow(/lifetime/);
    const strict = await createClaimsVerifier({ ...keys, CLAIMS_TOKEN_TTL_SECONDS: 60 });
    const old = await new SignJWT({ caller, oph: opHash })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('y'.repeat(40)));
    await expect(strict.verify(old, { audience: 'jobs', opHash })).rejects.toBeInstanceOf(ClaimsTokenError);
  });

  it('hashes variables canonically (key order does not matter, values do)', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(operationHash(q, { a: 1, b: 2 })).toBe(operationHash(q, { b: 2, a: 1 }));
    expect(operationHash(q, { a: 1 })).not.toBe(operationHash(q, { a: '1' }));
    expect(operationHash(q, undefined)).toBe(operationHash(q, {}));
  });

  it('refuses values nested deeper than MAX_VARIABLES_DEPTH with JsonDepthError, not a stack overflow', () => {
    const nested = (levels: number, wrap: (v: unknown) => unknown) => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = wrap(v);
      return v;
    };
    for (const wrap of [(v: unknown) => ({ a: v }), (v: unknown) => [v]]) {
      expect(() => canonicalJson(nested(MAX_VARIABLES_DEPTH, wrap))).not.toThrow();
      expect(jsonDeeperThan(nested(MAX_VARIABLES_DEPTH, wrap))).toBe(false);
      expect(() => canonicalJson(nested(MAX_VARIABLES_DEPTH + 1, wrap))).toThrow(JsonDepthError);
      expect(jsonDeeperThan(nested(MAX_VARIABLES_DEPTH + 1, wrap))).toBe(true);
      expect(() => operationHash(q, { v: nested(20_000, wrap) })).toThrow(JsonDepthError);
      expect(jsonDeeperThan({ v: nested(20_000, wrap) })).toBe(true);
    }
  });
});
