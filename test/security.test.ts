// Refusals through the whole stack, with the auth subgraph's real tokens: each is refused with
// the right code and status, and no subgraph resolver runs (neither subgraph executes a single
// SQL statement). The router's own tests cover every forged-token variant in detail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { CLAIMS_HEADER } from '../lib/src/claims.ts';
import { DEV_TENANTS, DEV_USERS } from '../lib/src/dev-seed.ts';
import { AUDIENCE, clientOperations, startStack, type GqlResult, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const internal = clientOperations('eventzr-jobs-worker');

let stack: Stack;
let dev: string;
let viewer: string;
const DEV_SECRET = 'e2e-development-secret-of-at-least-32-chars';
const DEV_ISSUER = 'eventzr-dev-e2e';
beforeAll(async () => {
  stack = await startStack({ routerEnv: { DEV_JWT_SECRET: DEV_SECRET, DEV_JWT_ISSUER: DEV_ISSUER } });
  dev = (await stack.login('dev@eventzr.com')).accessToken;
  viewer = (await stack.login('viewer@eventzr.com')).accessToken;
});
afterAll(() => stack?.stop());

/** Runs `send` and checks it was refused with `code`/`status` before any resolver ran. */
async function refused(send: () => Promise<GqlResult>, code: string, status: number) {
  const before = stack.statements();
  const res = await send();
  expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(status);
  expect(res.body.data ?? null).toBeNull();
  expect(stack.statements(), 'a subgraph ran SQL for a refused request').toBe(before);
  expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts:|127\.0\.0\.1/);
  return res;
}

describe('refused before any resolver runs', () => {
  it('no token on a non-public operation: 401', async () => {
    await refused(() => stack.gql(web.get('Me')!), 'UNAUTHENTICATED', 401);
    await refused(() => stack.gql(web.get('Jobs')!, { first: 5 }), 'UNAUTHENTICATED', 401);
  });

  it('a tampered payload, a garbage token, alg none: 401', async () => {
    const [h, p, s] = dev.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${s}`;
    await refused(() => stack.gql(web.get('Workers')!, {}, { token: tampered }), 'UNAUTHENTICATED', 401);
    await refused(() => stack.gql(web.get('Me')!, {}, { token: 'not.a.jwt' }), 'UNAUTHENTICATED', 401);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    await refused(() => stack.gql(web.get('Me')!, {}, { token: none }), 'UNAUTHENTICATED', 401);
  });

  it('a public operation selecting a field that needs a user (roles of the new account): 401, no account made', async () => {
    const email = 'anonymous.roles@example.com';
    await refused(
      () =>
        stack.gql('mutation ($i: RegisterInput!) { register(input: $i) { user { id roles } } }', {
          i: { email, password: 'Abcdefg1', name: 'Anon' },
        }),
      'UNAUTHENTICATED',
      401,
    );
    await expect(stack.login(email, 'Abcdefg1')).rejects.toThrow(/Invalid email or password/);
  });

  it('a job list selecting createdBy without users:read (what the auth subgraph requires of a User): 403', async () => {
    // A token that grants jobs:read and nothing else (an external issuer's user, say).
    const token = await new SignJWT({ tenantId: DEV_TENANTS[0].id, roles: [], permissions: ['jobs:read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(DEV_USERS[1].id)
      .setIssuer(DEV_ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(DEV_SECRET));
    const res = await refused(() => stack.gql(web.get('Jobs')!, { first: 5 }, { token }), 'FORBIDDEN', 403);
    expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['users:read']);
    const withoutCreators = await stack.gql('{ jobs(first: 5) { totalCount nodes { id } } }', {}, { token });
    expect(withoutCreators.body.errors).toBeUndefined();
  });

  it('x-tenant-id of another tenant: 403', async () => {
    await refused(
      () =>
        stack.gql(
          web.get('Me')!,
          {},
          { token: dev, headers: { 'x-tenant-id': '00000000-0000-4000-8000-000000000002' } },
        ),
      'FORBIDDEN',
      403,
    );
  });

  it('a viewer calling an admin operation: 403 with the permission it lacks', async () => {
    const res = await refused(() => stack.gql(web.get('Workers')!, {}, { token: viewer }), 'FORBIDDEN', 403);
    expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
  });

  it("a user's token on the worker protocol: 403", async () => {
    await refused(
      () =>
        stack.gql(
          internal.get('LeaseJobs')!,
          { workerId: 'w', types: ['x'], max: 1, leaseSeconds: 30 },
          { token: dev },
        ),
      'FORBIDDEN',
      403,
    );
  });

  it('a wrong internal key: 401', async () => {
    await refused(
      () =>
        stack.gql(
          internal.get('LeaseJobs')!,
          { workerId: 'w', types: ['x'], max: 1, leaseSeconds: 30 },
          { headers: { 'x-internal-api-key': 'x'.repeat(40) } },
        ),
      'UNAUTHENTICATED',
      401,
    );
  });

  it('straight to a subgraph with hand-made identity headers or a user token: 401', async () => {
    const before = stack.statements();
    for (const sg of [stack.subgraph('jobs'), stack.subgraph('auth')]) {
      const forged: Array<Record<string, string>> = [
        {
          'x-user-id': '00000000-0000-4000-8000-000000000101',
          'x-tenant-id': '00000000-0000-4000-8000-000000000001',
          'x-roles': 'admin',
        },
        { authorization: `Bearer ${dev}` },
        { [CLAIMS_HEADER]: dev },
        { 'x-internal-api-key': 'e2e-internal-key-0123456789abcdefghijklmnop' },
      ];
      for (const headers of forged) {
        const res = await sg.post({ query: '{ __typename }' }, headers);
        expect(res.status).toBe(401);
        expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
    }
    expect(stack.statements()).toBe(before);
  });

  it('a claims token captured for one operation is refused for another', async () => {
    const caller = {
      kind: 'user' as const,
      userId: '00000000-0000-4000-8000-000000000102',
      tenantId: '00000000-0000-4000-8000-000000000001',
      email: 'dev@eventzr.com',
      name: 'D',
      roles: ['user' as const],
      permissions: ['jobs:read'],
      planTier: 'professional',
      issuer: 'auth',
    };
    const token = await stack.subgraph('jobs').sign(caller, '{ jobMetrics { queued } }');
    const res = await stack
      .subgraph('jobs')
      .post({ query: '{ jobs(first: 100) { totalCount } }' }, { [CLAIMS_HEADER]: token });
    expect(res.status).toBe(401);
    const audience = await stack
      .subgraph('jobs')
      .post(
        { query: '{ jobMetrics { queued } }' },
        { [CLAIMS_HEADER]: await stack.subgraph('jobs').sign(caller, '{ jobMetrics { queued } }', {}, 'auth') },
      );
    expect(audience.status).toBe(401);
  });
});

describe('public operations need no token', () => {
  it('login works anonymously but a public field next to a private one does not', async () => {
    const ok = await stack.gql(
      'mutation { requestPasswordReset(input: { email: "nobody@example.com" }) { accepted } }',
    );
    expect(ok.body.data).toEqual({ requestPasswordReset: { accepted: true } });
    await refused(
      () =>
        stack.gql(
          'mutation { requestPasswordReset(input: { email: "x@example.com" }) { accepted } logout(input: { refreshToken: "x" }) { revoked } }',
        ),
      'UNAUTHENTICATED',
      401,
    );
  });
});

describe('one operation, resolved once and checked (operationName variants through the whole stack)', () => {
  const send = (body: Record<string, unknown>, token?: string) =>
    stack.raw(JSON.stringify(body), token ? { authorization: `Bearer ${token}` } : {});
  const register = (alias: string, email: string) =>
    `${alias}: register(input: { email: "${email}", password: "Abcdefg1", name: "Anon" }) { user { id } }`;

  it('anonymous register ×2 under aliases with operationName "" (issue 8: 200 accounts and a 500): 400, no account', async () => {
    const emails = ['alias.one@example.com', 'alias.two@example.com'];
    for (const operationName of ['', null, undefined]) {
      const res = await refused(
        () => send({ query: `mutation { ${register('a', emails[0]!)} ${register('b', emails[1]!)} }`, operationName }),
        'BAD_REQUEST',
        400,
      );
      expect(res.body.errors?.[0]?.message).toMatch(/only one root field/);
    }
    const many = Array.from({ length: 25 }, (_, i) => register(`r${i}`, `alias.${i}@example.com`)).join(' ');
    // Over the root-field limit (20): an operation limit, checked before anything else.
    await refused(() => send({ query: `mutation { ${many} }`, operationName: '' }), 'OPERATION_LIMIT_EXCEEDED', 400);
    for (const email of [...emails, 'alias.0@example.com'])
      await expect(stack.login(email, 'Abcdefg1')).rejects.toThrow(/Invalid email or password/);
  });

  it('operationName "" keeps every check: 401 anonymous, 403 for a viewer, served to an admin', async () => {
    const workers = web.get('Workers')!;
    await refused(() => send({ query: workers, operationName: '' }), 'UNAUTHENTICATED', 401);
    await refused(() => send({ query: workers, operationName: '' }, viewer), 'FORBIDDEN', 403);
    const admin = (await stack.login('admin@eventzr.com')).accessToken;
    const ok = await send({ query: workers, operationName: '' }, admin);
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
  });

  it('two operations without a name, an unknown name, a subscription: 400 with a code, for anyone', async () => {
    const two = `${web.get('Me')!}\n${web.get('Workers')!}`;
    for (const token of [undefined, dev]) {
      for (const operationName of ['', null, 'Nope'])
        await refused(() => send({ query: two, operationName }, token), 'OPERATION_RESOLUTION_FAILURE', 400);
      await refused(
        () => send({ query: 'subscription { __typename }', operationName: '' }, token),
        'GRAPHQL_VALIDATION_FAILED',
        400,
      );
    }
    // The document is validated whole against the caller's own schema (as GraphQL validates a
    // document whole): one holding an operation the caller may not run is refused by name too...
    await refused(() => send({ query: two, operationName: 'Me' }, dev), 'FORBIDDEN', 403);
    // ...while a document of operations it may run serves the one named.
    const me = await send({ query: `${web.get('Me')!}\n${web.get('Jobs')!}`, operationName: 'Me' }, dev);
    expect(me.body.data?.me).toBeTruthy();
  });

  it('GET never runs a mutation: 405, nothing written', async () => {
    const before = stack.statements();
    const query = `mutation { ${register('a', 'by.get@example.com')} }`;
    for (const operationName of ['', undefined]) {
      const params = new URLSearchParams({ query, ...(operationName === undefined ? {} : { operationName }) });
      const res = await fetch(`${stack.url}?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    expect(stack.statements()).toBe(before);
  });
});
