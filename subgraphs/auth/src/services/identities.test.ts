// External issuers' users: provisionExternalIdentity, called by the router (the internal caller
// `router`), gives (issuer, subject) one identity and a membership in the token's tenant on first
// use, and the same user id ever after; that id is then an ordinary user (me, User references).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userCaller, usingRealPostgres } from '@eventzr/lib/testing';
import type { Caller } from '@eventzr/lib/claims';
import { TENANT_A, TENANT_B, firstError, startAuth, type StartedAuth } from '../test-support.ts';
import { UNKNOWN_TENANT } from './identities.ts';

let auth: StartedAuth;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth?.sg.close());

const ROUTER: Caller = { kind: 'internal', service: 'router' };
const ISSUER = 'https://tenant.idp.test/';
const PROVISION = 'mutation ($i: ProvisionExternalIdentityInput!) { provisionExternalIdentity(input: $i) { userId } }';

const provision = (input: Partial<Record<string, unknown>> = {}) =>
  auth.sg.exec<{ provisionExternalIdentity: { userId: string } }>(ROUTER, PROVISION, {
    i: {
      issuer: ISSUER,
      subject: 'idp|alice',
      tenantId: TENANT_A.id,
      email: 'alice@idp.test',
      name: 'Alice External',
      roles: ['organizer'],
      ...input,
    },
  });
const userIdOf = (res: Awaited<ReturnType<typeof provision>>) => {
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data!.provisionExternalIdentity.userId;
};
const me = (userId: string, tenantId: string = TENANT_A.id) =>
  auth.sg.exec<{ me: { id: string; email: string; name: string; roles: string[]; tenant: { id: string } } }>(
    userCaller({ userId, tenantId, roles: ['viewer'] }),
    '{ me { id email name roles tenant { id } } }',
  );

describe('provisionExternalIdentity', () => {
  it('makes the identity and membership on first use, and answers the same user id afterwards', async () => {
    const first = userIdOf(await provision());
    expect(userIdOf(await provision())).toBe(first);
    expect((await me(first)).body.data!.me).toEqual({
      id: first,
      email: 'alice@idp.test',
      name: 'Alice External',
      roles: ['ORGANIZER'],
      tenant: { id: TENANT_A.id },
    });
  });

  it("the membership's roles follow the issuer's latest token", async () => {
    const id = userIdOf(await provision({ subject: 'idp|roles', roles: ['viewer'] }));
    expect(userIdOf(await provision({ subject: 'idp|roles', roles: ['admin'] }))).toBe(id);
    expect((await me(id)).body.data!.me.roles).toEqual(['ADMIN']);
  });

  it('one subject in two tenants is one identity with a user (membership) in each', async () => {
    const a = userIdOf(await provision({ subject: 'idp|two' }));
    const b = userIdOf(await provision({ subject: 'idp|two', tenantId: TENANT_B.id }));
    expect(a).not.toBe(b);
    expect((await me(b, TENANT_B.id)).body.data!.me.tenant.id).toBe(TENANT_B.id);
    // Each id is a user of its own tenant only.
    expect(firstError(await me(a, TENANT_B.id))?.code).toBe('UNAUTHENTICATED');
  });

  it('the same subject of another issuer is another identity', async () => {
    const a = userIdOf(await provision({ subject: 'idp|same' }));
    const b = userIdOf(await provision({ subject: 'idp|same', issuer: 'https://other.idp.test/' }));
    expect(a).not.toBe(b);
  });

  it('refuses a tenant that does not exist (FORBIDDEN) and malformed input (BAD_USER_INPUT), making nothing', async () => {
    expect(firstError(await provision({ subject: 'idp|nowhere', tenantId: crypto.randomUUID() }))).toMatchObject({
      code: 'FORBIDDEN',
      message: UNKNOWN_TENANT,
    });
    expect(firstError(await provision({ tenantId: 'not-a-uuid' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'tenantId' },
    });
    expect(firstError(await provision({ subject: '' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'subject' },
    });
  });

  describe.runIf(usingRealPostgres())('concurrent first requests (real PostgreSQL)', () => {
    it('make one identity and one membership', async () => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => provision({ subject: 'idp|race' })));
      const ids = new Set(answers.map(userIdOf));
      expect(ids.size).toBe(1);
    });
  });
});
