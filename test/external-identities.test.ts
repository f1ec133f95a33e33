// An external issuer's users (issue 8): the router trusts an Auth0-style issuer (here a local one:
// a key pair made by the test, its public half handed to the router as the issuer's key set), and
// such a user gets an identity in auth on first use, keyed by (issuer, subject). Through the whole
// supergraph, `me` answers for them and a job they enqueue has a `createdBy` that resolves to them.
import { SignJWT, exportJWK, generateKeyPair, createLocalJWKSet, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TENANTS } from '../lib/src/dev-seed.ts';
import { CONTRACT_ENQUEUE_JOB } from '../subgraphs/jobs/src/test-support.ts';
import { AUDIENCE, startStack, type Stack } from './support/stack.ts';

const AUTH0_ISSUER = 'https://tenant.idp.e2e.example/';
const AUTH0_AUDIENCE = 'https://api.eventzr.e2e.example';
const TENANT = DEV_TENANTS[0].id;
const ME = '{ me { id email name roles tenant { id } } }';

let stack: Stack;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
  stack = await startStack({
    routerEnv: { AUTH0_DOMAIN: 'tenant.idp.e2e.example', AUTH0_ISSUER, AUTH0_AUDIENCE },
    keySets: { auth0: createLocalJWKSet({ keys: [jwk] }) },
  });
});
afterAll(() => stack?.stop());

function externalToken(claims: Record<string, unknown>, opts: { aud?: string; iat?: number } = {}) {
  const iat = opts.iat ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ tenantId: TENANT, email: 'ext@idp.example', name: 'Ext User', roles: ['organizer'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'idp-key-1', typ: 'JWT' })
    .setIssuer(AUTH0_ISSUER)
    .setAudience(opts.aud ?? AUTH0_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(privateKey);
}

type Me = { me: { id: string; email: string; name: string; roles: string[]; tenant: { id: string } } };

describe('an Auth0-style user through the router', () => {
  it('runs `me` as their own identity, the same one on every later token', async () => {
    const sub = `idp|${crypto.randomUUID()}`;
    const first = await stack.gql<Me>(ME, {}, { token: await externalToken({ sub }) });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const me = first.body.data!.me;
    expect(me).toMatchObject({
      email: 'ext@idp.example',
      name: 'Ext User',
      roles: ['ORGANIZER'],
      tenant: { id: TENANT },
    });
    // Its id is this platform's (a UUID), not the issuer's subject.
    expect(me.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const later = await stack.gql<Me>(
      ME,
      {},
      { token: await externalToken({ sub }, { iat: Math.floor(Date.now() / 1000) - 5 }) },
    );
    expect(later.body.data!.me.id).toBe(me.id);
  });

  it('enqueues a job whose createdBy resolves to them', async () => {
    const sub = `idp|${crypto.randomUUID()}`;
    const token = await externalToken({ sub, email: 'creator@idp.example' });
    const me = await stack.gql<Me>(ME, {}, { token });
    const res = await stack.gql<{
      enqueueJob: { job: { id: string; createdBy: { id: string; email: string } | null } };
    }>(CONTRACT_ENQUEUE_JOB, { input: { type: 'external.check', payload: { n: 1 } } }, { token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data!.enqueueJob.job.createdBy).toEqual({ id: me.body.data!.me.id, email: 'creator@idp.example' });
  });

  it('is refused (401, nothing made) for a tenant that does not exist, or a token for another audience', async () => {
    const unknownTenant = await stack.gql(
      ME,
      {},
      {
        token: await externalToken({ sub: 'idp|nowhere', tenantId: crypto.randomUUID() }),
      },
    );
    expect(unknownTenant.status).toBe(401);
    expect(unknownTenant.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrongAudience = await stack.gql(
      ME,
      {},
      { token: await externalToken({ sub: 'idp|aud' }, { aud: AUDIENCE }) },
    );
    expect(wrongAudience.status).toBe(401);
  });
});
