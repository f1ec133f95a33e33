// Authorization of the auth subgraph: exactly seed 004's public endpoints are open, every root
// field is guarded, every rule has an allowed and a refused case, entity references included.
// (That the SDL and the tree agree is lib's check, run when the subgraph starts and by schema:check.)
import { Kind, type ObjectTypeDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, CLAIMS_HEADER, routerCaller, type Caller } from '@eventzr/lib/claims';
import { buildShieldedSchema } from '@eventzr/lib/server';
import { definitionOf } from '@eventzr/lib/subgraph';
import { guardedFields } from '@eventzr/lib/shield';
import { permissions } from './permissions.ts';
import { subgraph } from './subgraph.ts';
import { TENANT_A, callerFor, devUser, firstError, startAuth, type StartedAuth } from './test-support.ts';

let auth: StartedAuth;
beforeAll(async () => {
  auth = await startAuth();
});
afterAll(() => auth?.sg.close());

const INTERNAL: Caller = {
  kind: 'internal',
  service: 'jobs-worker',
  credentialId: 'jobs-worker',
  scopes: ['internal:jobs.worker'],
};

/** One operation per root field, with input that passes validation. */
const ROOT_OPERATIONS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'Query.me': { query: '{ me { id } }' },
  'Query._service': { query: '{ _service { sdl } }' },
  'Query._entities': {
    query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } } }',
    variables: { r: [{ __typename: 'Tenant', id: TENANT_A.id }] },
  },
  'Mutation.login': {
    query: 'mutation ($i: LoginInput!) { login(input: $i) { tokenType } }',
    variables: { i: { email: 'viewer@eventzr.com', password: 'Password123!' } },
  },
  'Mutation.refreshToken': {
    query: 'mutation ($i: RefreshTokenInput!) { refreshToken(input: $i) { expiresIn } }',
    variables: { i: { refreshToken: 'x'.repeat(43) } },
  },
  'Mutation.register': {
    query: 'mutation ($i: RegisterInput!) { register(input: $i) { user { id } } }',
    variables: { i: { email: 'perm@example.com', password: 'Abcdefg1', name: 'Perm' } },
  },
  'Mutation.requestPasswordReset': {
    query: 'mutation ($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) { accepted } }',
    variables: { i: { email: 'viewer@eventzr.com' } },
  },
  'Mutation.logout': {
    query: 'mutation ($i: LogoutInput!) { logout(input: $i) { revoked } }',
    variables: { i: { refreshToken: 'x'.repeat(43) } },
  },
  'Mutation.provisionExternalIdentity': {
    query: 'mutation ($i: ProvisionExternalIdentityInput!) { provisionExternalIdentity(input: $i) { userId } }',
    variables: {
      i: {
        issuer: 'https://idp.permissions.test/',
        subject: 'idp|perm',
        tenantId: TENANT_A.id,
        email: 'perm@idp.test',
        name: 'Perm',
        roles: ['user'],
      },
    },
  },
};
const ROUTER: Caller = routerCaller(['internal:auth.provision']);
const run = (caller: Caller, field: string) => {
  const op = ROOT_OPERATIONS[field]!;
  return auth.sg.exec(caller, op.query, op.variables ?? {});
};
/** What lib/shield's rules answer a caller without a user token (lib/errors unauthenticated()). */
const SHIELD_UNAUTHENTICATED = 'Missing or invalid authentication token';

/** Seed 004's public endpoints: the only root fields anyone may call without a token. */
const PUBLIC_ENDPOINTS = [
  'Mutation.login',
  'Mutation.refreshToken',
  'Mutation.register',
  'Mutation.requestPasswordReset',
];

describe('SDL and permission tree', () => {
  it('leave exactly the public endpoints without access directives', () => {
    const open: string[] = [];
    for (const def of subgraph.typeDefs.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION || !['Query', 'Mutation'].includes(def.name.value)) continue;
      for (const f of (def as ObjectTypeDefinitionNode).fields ?? [])
        // Declared limits (@rateLimit, @lockout) are not access directives.
        if (!(f.directives ?? []).some((d) => ['authenticated', 'requiresScopes'].includes(d.name.value)))
          open.push(`${def.name.value}.${f.name.value}`);
    }
    expect(open.sort()).toEqual([...PUBLIC_ENDPOINTS].sort());
  });

  it('guards every root field of the executable schema, and the test covers each', () => {
    const schema = buildShieldedSchema(definitionOf(subgraph, auth.sg.parts));
    const roots = guardedFields(schema, permissions).filter((f) => /^(Query|Mutation)\./.test(f));
    expect(roots.sort()).toEqual(Object.keys(ROOT_OPERATIONS).sort());
    for (const f of roots) {
      const [type, field] = f.split('.') as [string, string];
      expect(permissions[type]?.[field], f).toBeDefined();
    }
  });
});

describe('anonymous callers', () => {
  const publicFields = new Set(['Query._service', ...PUBLIC_ENDPOINTS]);

  it.each(Object.keys(ROOT_OPERATIONS))('%s: allowed only when public', async (field) => {
    const error = firstError(await run(ANONYMOUS, field));
    const refusedByShield = error?.code === 'FORBIDDEN' || error?.message === SHIELD_UNAUTHENTICATED;
    if (publicFields.has(field)) expect(refusedByShield, JSON.stringify(error)).toBe(false);
    else expect(error).toMatchObject({ code: 'UNAUTHENTICATED', message: SHIELD_UNAUTHENTICATED });
  });

  it('public fields reach their resolvers', async () => {
    expect((await run(ANONYMOUS, 'Mutation.login')).body).toEqual({ data: { login: { tokenType: 'Bearer' } } });
    expect((await run(ANONYMOUS, 'Mutation.requestPasswordReset')).body).toEqual({
      data: { requestPasswordReset: { accepted: true } },
    });
    expect((await run(ANONYMOUS, 'Mutation.register')).body.errors).toBeUndefined();
    expect(
      ((await run(ANONYMOUS, 'Query._service')).body.data as { _service: { sdl: string } })._service.sdl,
    ).toContain('type User');
    // The resolver answers (an unknown token), not the shield.
    expect(firstError(await run(ANONYMOUS, 'Mutation.refreshToken'))?.message).toBe('Invalid or expired refresh token');
  });
});

describe('rules', () => {
  it('isAuthenticated (me, logout): a user passes; anonymous is UNAUTHENTICATED, internal FORBIDDEN', async () => {
    const user = callerFor('viewer@eventzr.com');
    expect((await run(user, 'Query.me')).body).toEqual({ data: { me: { id: devUser('viewer@eventzr.com').id } } });
    expect((await run(user, 'Mutation.logout')).body).toEqual({ data: { logout: { revoked: false } } });
    for (const field of ['Query.me', 'Mutation.logout']) {
      expect(firstError(await run(ANONYMOUS, field))?.code).toBe('UNAUTHENTICATED');
      expect(firstError(await run(INTERNAL, field))?.code).toBe('FORBIDDEN');
    }
  });

  it('isRouter (provisionExternalIdentity): the router passes; anonymous UNAUTHENTICATED, users and other internal callers FORBIDDEN', async () => {
    const ok = await run(ROUTER, 'Mutation.provisionExternalIdentity');
    expect(ok.body.errors).toBeUndefined();
    expect(
      (ok.body.data as { provisionExternalIdentity: { userId: string } }).provisionExternalIdentity.userId,
    ).toMatch(/^[0-9a-f-]{36}$/);
    const field = 'Mutation.provisionExternalIdentity';
    expect(firstError(await run(ANONYMOUS, field))?.code).toBe('UNAUTHENTICATED');
    expect(firstError(await run(INTERNAL, field))?.code).toBe('FORBIDDEN');
    expect(firstError(await run(callerFor('admin@eventzr.com'), field))?.code).toBe('FORBIDDEN');
    // The scope alone is not enough: only the router's own credential (no configured one may take its id).
    const scoped: Caller = {
      kind: 'internal',
      service: 'pool',
      credentialId: 'pool',
      scopes: ['internal:auth.provision'],
    };
    expect(firstError(await run(scoped, field))?.code).toBe('FORBIDDEN');
  });

  it('isUserOrInternal (_entities): anonymous callers are UNAUTHENTICATED before any entity rule', async () => {
    expect((await run(callerFor('admin@eventzr.com'), 'Query._entities')).body).toEqual({
      data: { _entities: [{ id: TENANT_A.id }] },
    });
    expect(firstError(await run(ANONYMOUS, 'Query._entities'))?.code).toBe('UNAUTHENTICATED');
  });

  it('selfOrAdmin(user) (User.roles, User.permissions): the user themselves or users:admin; others FORBIDDEN', async () => {
    const viewer = callerFor('viewer@eventzr.com');
    const me = await auth.sg.exec(viewer, '{ me { id roles permissions } }');
    expect(me.body.errors).toBeUndefined();
    expect(me.body.data).toMatchObject({ me: { roles: ['VIEWER'] } });
    const dev = devUser('dev@eventzr.com');
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email roles permissions } } }`;
    const r = [{ __typename: 'User', id: dev.id }];
    // A colleague reads the id and email, not the roles.
    const colleague = await auth.sg.exec(viewer, q, { r });
    expect(colleague.body.data).toEqual({ _entities: [null] });
    // Non-null, the refused field nulls the user: its first refusal is the one reported.
    expect(colleague.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.0.roles', 'FORBIDDEN'],
    ]);
    const name = await auth.sg.exec(viewer, q.replace('roles permissions', ''), { r });
    expect(name.body).toEqual({ data: { _entities: [{ id: dev.id, email: dev.email }] } });
    const admin = await auth.sg.exec(callerFor('admin@eventzr.com'), q, { r });
    expect(admin.body).toEqual({
      data: {
        _entities: [{ id: dev.id, email: dev.email, roles: ['USER', 'ORGANIZER'], permissions: expect.any(Array) }],
      },
    });
  });
});

describe('entity rules (lib applies them around __resolveReference)', () => {
  const entities = (caller: Caller, r: Array<Record<string, unknown>>) =>
    auth.sg.exec(
      caller,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } ... on Tenant { id name } } }',
      { r },
    );
  const admin = devUser('admin@eventzr.com');
  const userRef = { __typename: 'User', id: admin.id };
  const tenantRef = { __typename: 'Tenant', id: TENANT_A.id };
  /** A user of tenant A whose token grants nothing (e.g. an external issuer's user without roles). */
  const bare: Caller = { ...callerFor('viewer@eventzr.com'), roles: [], permissions: [] };

  it('User: users:read (every role) resolves a colleague; without it, or as an internal caller, FORBIDDEN', async () => {
    expect((await entities(callerFor('viewer@eventzr.com'), [userRef])).body).toEqual({
      data: { _entities: [{ id: admin.id, email: admin.email }] },
    });
    for (const caller of [bare, INTERNAL]) {
      const res = await entities(caller, [userRef]);
      expect(res.body.data).toEqual({ _entities: [null] });
      expect(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
        ['_entities.0', 'FORBIDDEN'],
      ]);
    }
    expect(firstError(await entities(bare, [userRef]))?.extensions.requiredPermissions).toEqual(['users:read']);
  });

  it('Tenant: tenants:read resolves the own tenant; without it FORBIDDEN, per reference (the others still resolve)', async () => {
    expect((await entities(callerFor('viewer@eventzr.com'), [tenantRef])).body).toEqual({
      data: { _entities: [{ id: TENANT_A.id, name: TENANT_A.name }] },
    });
    const onlyUsers: Caller = { ...bare, permissions: ['users:read'] };
    const res = await entities(onlyUsers, [userRef, tenantRef]);
    expect(res.body.data).toEqual({ _entities: [{ id: admin.id, email: admin.email }, null] });
    expect(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.1', 'FORBIDDEN'],
    ]);
  });

  it('allow (public endpoints, _service): anonymous, user and internal callers all pass', async () => {
    for (const caller of [ANONYMOUS, callerFor('viewer@eventzr.com'), INTERNAL]) {
      expect((await run(caller, 'Mutation.requestPasswordReset')).body.errors).toBeUndefined();
      expect((await run(caller, 'Query._service')).body.errors).toBeUndefined();
    }
  });
});

describe('transport', () => {
  it('serves nothing without a router-signed claims token', async () => {
    const res = await auth.sg.post({ query: '{ me { id } }' });
    expect(res.status).toBe(401);
    expect(firstError(res)?.code).toBe('UNAUTHENTICATED');
    const forged = await auth.sg.post({ query: '{ me { id } }' }, { [CLAIMS_HEADER]: 'eyJhbGciOiJub25lIn0.e30.' });
    expect(forged.status).toBe(401);
  });

  it('refuses a claims token addressed to another subgraph', async () => {
    const query = '{ me { id } }';
    const token = await auth.sg.sign(callerFor('admin@eventzr.com'), query, {}, 'jobs');
    const res = await auth.sg.post({ query, variables: {} }, { [CLAIMS_HEADER]: token });
    expect(res.status).toBe(401);
  });
});
