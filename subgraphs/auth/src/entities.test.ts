// User and Tenant entities as other subgraphs reach them (_entities): resolved in the caller's
// tenant only, in one SQL statement batch however many are asked for.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller, type UserCaller } from '@eventzr/lib/claims';
import { DEV_USERS } from '@eventzr/lib/dev-seed';
import { TENANT_A, TENANT_B, callerFor, firstError, startAuth, type StartedAuth } from './test-support.ts';

let auth: StartedAuth;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth?.sg.close());

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        email
        name
        tenant {
          id
          name
        }
      }
      ... on Tenant {
        id
        name
        planTier
      }
    }
  }
`;
const entities = (caller: Caller, representations: Array<Record<string, unknown>>) =>
  auth.sg.exec<{ _entities: Array<Record<string, unknown> | null> }>(caller, ENTITIES, { representations });
const userRef = (id: string) => ({ __typename: 'User', id });
const tenantRef = (id: string) => ({ __typename: 'Tenant', id });

const usersOf = (tenantId: string) => DEV_USERS.filter((u) => u.tenantId === tenantId);

describe('_entities', () => {
  const callerA = callerFor('viewer@eventzr.com');

  it('resolves users and the tenant of the caller’s own tenant', async () => {
    const admin = usersOf(TENANT_A.id)[0]!;
    const res = await entities(callerA, [userRef(admin.id), tenantRef(TENANT_A.id)]);
    expect(res.body).toEqual({
      data: {
        _entities: [
          {
            id: admin.id,
            email: admin.email,
            name: admin.name,
            tenant: { id: TENANT_A.id, name: TENANT_A.name },
          },
          { id: TENANT_A.id, name: TENANT_A.name, planTier: 'PROFESSIONAL' },
        ],
      },
    });
  });

  it('resolves another tenant’s users and tenant to null, even with a valid token for tenant A', async () => {
    const refs = [...usersOf(TENANT_B.id).map((u) => userRef(u.id)), tenantRef(TENANT_B.id)];
    const res = await entities(callerA, refs);
    expect(res.body).toEqual({ data: { _entities: refs.map(() => null) } });
    // And the other way round.
    const fromB = await entities(callerFor('user@acme.example'), [
      userRef(usersOf(TENANT_A.id)[0]!.id),
      tenantRef(TENANT_A.id),
    ]);
    expect(fromB.body).toEqual({ data: { _entities: [null, null] } });
  });

  it('resolves ids given in upper case (the router passes them on as clients wrote them)', async () => {
    const reg = await auth.sg.exec<{ register: { user: { id: string; tenant: { id: string } } } }>(
      ANONYMOUS,
      `mutation ($input: RegisterInput!) { register(input: $input) { user { id tenant { id } } } }`,
      { input: { email: 'upper.entity@example.com', password: 'Abcdefg1', name: 'Upper Entity' } },
    );
    const { id: userId, tenant } = reg.body.data!.register.user;
    // The seed's ids are all digits: only generated ones show the case matters.
    expect(userId + tenant.id).toMatch(/[a-f]/);
    const caller: UserCaller = {
      ...callerFor('admin@eventzr.com'),
      userId,
      tenantId: tenant.id,
      email: 'upper.entity@example.com',
      name: 'Upper Entity',
      planTier: 'free',
    };
    const res = await entities(caller, [userRef(userId.toUpperCase()), tenantRef(tenant.id.toUpperCase())]);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toMatchObject([{ id: userId, tenant: { id: tenant.id } }, { id: tenant.id }]);
  });

  it('resolves unknown and malformed ids to null, never an error', async () => {
    const res = await entities(callerA, [
      userRef(crypto.randomUUID()),
      userRef('not-a-uuid'),
      tenantRef("'; drop table users; --"),
    ]);
    expect(res.body).toEqual({ data: { _entities: [null, null, null] } });
  });

  it('refuses internal callers (they have no tenant, and hold no users:read) and anonymous ones', async () => {
    const internal = await entities({ kind: 'internal', service: 'worker', credentialId: 'worker', scopes: [] }, [
      userRef(usersOf(TENANT_A.id)[0]!.id),
      tenantRef(TENANT_A.id),
    ]);
    expect(internal.body.data).toEqual({ _entities: [null, null] });
    expect(internal.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.message])).toEqual([
      ['_entities.0', 'FORBIDDEN', 'A user token is required'],
      ['_entities.1', 'FORBIDDEN', 'A user token is required'],
    ]);
    expect(firstError(await entities(ANONYMOUS, [tenantRef(TENANT_A.id)]))?.code).toBe('UNAUTHENTICATED');
  });

  it('loads N users with their tenant in the same number of statements as one', async () => {
    const count = async (refs: Array<Record<string, unknown>>) => {
      const before = auth.sg.database.stats.statements;
      const res = await entities(callerA, refs);
      expect(res.body.errors).toBeUndefined();
      return {
        statements: auth.sg.database.stats.statements - before,
        found: res.body.data!._entities.filter(Boolean).length,
      };
    };
    const one = await count([userRef(usersOf(TENANT_A.id)[0]!.id)]);
    const many = await count([
      ...DEV_USERS.map((u) => userRef(u.id)),
      ...DEV_USERS.map((u) => userRef(u.id)),
      userRef(crypto.randomUUID()),
    ]);
    expect(one.found).toBe(1);
    expect(many.found).toBe(2 * usersOf(TENANT_A.id).length);
    expect(many.statements).toBe(one.statements);
    // One transaction for the users and one for their tenant, each one scoped query. What a
    // transaction adds around its query (begin/commit, the scope) depends on the driver.
    const before = auth.sg.database.stats.statements;
    await auth.sg.database.run({ tenantId: TENANT_A.id }, (tx) => tx.execute(sql`select 1`));
    const perTransaction = auth.sg.database.stats.statements - before;
    expect(one.statements).toBe(2 * perTransaction);
  });
});
