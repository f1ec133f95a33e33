// Tenants cannot see or touch each other's jobs through the router, and listing jobs with
// their creators costs the same number of SQL statements for 10 rows as for 100.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserCaller } from '../lib/src/claims.ts';
import { effectivePermissions } from '../lib/src/permissions.ts';
import { clientOperations, startStack, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const TENANT_A = '00000000-0000-4000-8000-000000000001';
const TENANT_B = '00000000-0000-4000-8000-000000000002';
let stack: Stack;
let a: string;
let b: string;
let bJob: string;

beforeAll(async () => {
  stack = await startStack();
  a = (await stack.login('dev@eventzr.com')).accessToken;
  b = (await stack.login('user@acme.example')).accessToken;
  const res = await stack.gql(
    web.get('EnqueueJob')!,
    { input: { type: 'acme.secret', payload: { secret: 1 } } },
    { token: b },
  );
  bJob = res.body.data?.enqueueJob.job.id;
  expect(bJob).toBeTruthy();
});
afterAll(() => stack?.stop());

describe("tenant A and tenant B's jobs", () => {
  it('A cannot list, count or read B’s job', async () => {
    const list = await stack.gql(
      'query { jobs(first: 100) { totalCount edges { node { id type } } } }',
      {},
      { token: a },
    );
    expect(list.body.data?.jobs.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(bJob);
    expect(list.body.data?.jobs.edges.map((e: { node: { type: string } }) => e.node.type)).not.toContain('acme.secret');
    const one = await stack.gql(web.get('Job')!, { id: bJob }, { token: a });
    expect(one.body.data?.job ?? null).toBeNull();
    const mine = await stack.gql(web.get('Job')!, { id: bJob }, { token: b });
    expect(mine.body.data?.job.id).toBe(bJob);
  });

  it('A cannot change B’s job', async () => {
    for (const [op, vars] of [
      ['CancelJob', { id: bJob }],
      ['UpdateJob', { input: { id: bJob, priority: 9 } }],
      ['RetryJob', { id: bJob }],
    ] as const) {
      const res = await stack.gql(web.get(op)!, vars, { token: a });
      expect(res.body.errors?.[0]?.extensions?.code, op).toBe('NOT_FOUND');
    }
    const still = await stack.gql(web.get('Job')!, { id: bJob }, { token: b });
    expect(still.body.data?.job).toMatchObject({ status: 'QUEUED', priority: 0 });
  });

  it("A cannot reference B's tenant or jobs through _entities, even with a valid router-signed token", async () => {
    const callerA: UserCaller = {
      kind: 'user',
      userId: '00000000-0000-4000-8000-000000000102',
      tenantId: TENANT_A,
      email: 'dev@eventzr.com',
      name: 'Dev',
      roles: ['user', 'organizer'],
      permissions: effectivePermissions(['user', 'organizer']),
      planTier: 'professional',
      issuer: 'auth',
    };
    const q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id jobQuota { used } } } }';
    const res = await stack.subgraph('jobs').exec(callerA, q, { r: [{ __typename: 'Tenant', id: TENANT_B }] });
    expect(res.body.data?._entities).toEqual([null]);
    const users = await stack
      .subgraph('auth')
      .exec(callerA, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } } }', {
        r: [{ __typename: 'User', id: '00000000-0000-4000-8000-000000000202' }],
      });
    expect(users.body.data?._entities).toEqual([null]);
  });
});

describe('batching', () => {
  it('listing 10 and 100 jobs with createdBy runs the same number of SQL statements', async () => {
    const admin = (await stack.login('admin@eventzr.com')).accessToken;
    const viewer = (await stack.login('viewer@eventzr.com')).accessToken;
    const tokens = [a, admin, viewer];
    for (let i = 0; i < 120; i++)
      await stack.gql(
        'mutation E($i: EnqueueJobInput!) { enqueueJob(input: $i) { job { id } } }',
        { i: { type: 'batch.item', payload: { i } } },
        { token: tokens[i % 3] },
      );
    const count = async (first: number) => {
      const before = stack.statements();
      const res = await stack.gql(web.get('Jobs')!, { first, filter: { type: 'batch.item' } }, { token: a });
      expect(res.body.errors).toBeUndefined();
      const edges = res.body.data?.jobs.edges as Array<{ node: { createdBy: { email: string } } }>;
      expect(edges).toHaveLength(first);
      expect(new Set(edges.map((e) => e.node.createdBy.email)).size).toBe(3);
      return stack.statements() - before;
    };
    const ten = await count(10);
    const hundred = await count(100);
    expect(hundred).toBe(ten);
    expect(ten).toBeLessThanOrEqual(6);
  });
});
