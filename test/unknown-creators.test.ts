// Job.createdBy through the real router: the creator lives in the auth subgraph, which answers
// null for a user it does not know (deleted, or a creator id that is no UUID, such as an Auth0
// `sub`). Such a job must show `createdBy: null`, not take the whole list down with it.
import { DEV_TENANTS, DEV_USERS } from '../lib/src/dev-seed.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack.ts';
import { insertJobsIfAbsent } from '../subgraphs/jobs/src/repositories/jobs.ts';
import { CONTRACT_JOBS } from '../subgraphs/jobs/src/test-support.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe('Job.createdBy across subgraphs', () => {
  it('is null for a creator auth cannot resolve; the other jobs of the list are unaffected', async () => {
    const tenantId = DEV_TENANTS[0].id;
    const dev = DEV_USERS.find((u) => u.email === 'dev@eventzr.com')!;
    const base = Date.now() - 60_000;
    const row = (createdBy: string, i: number) => ({
      id: crypto.randomUUID(),
      tenantId,
      type: 'creators.check',
      createdBy,
      createdAt: new Date(base + i * 1000),
    });
    const known = row(dev.id, 0);
    const deleted = row(crypto.randomUUID(), 1);
    const external = row('auth0|5f7c8ec7c33c6c004bbafe82', 2);
    await stack.subgraph('jobs').database.run({ tenantId }, (tx) => insertJobsIfAbsent(tx, [known, deleted, external]));

    const { accessToken } = await stack.login(dev.email);
    const res = await stack.gql<{
      jobs: { totalCount: number; edges: { node: { id: string; createdBy: { id: string; email: string } | null } }[] };
    }>(CONTRACT_JOBS, { first: 10, filter: { type: 'creators.check' } }, { token: accessToken });
    expect(res.status).toBe(200);
    const jobs = res.body.data?.jobs;
    expect(jobs?.totalCount, JSON.stringify(res.body.errors)).toBe(3);
    const createdBy = new Map(jobs!.edges.map((e) => [e.node.id, e.node.createdBy]));
    expect(createdBy.get(known.id)).toEqual({ id: dev.id, email: dev.email });
    expect(createdBy.get(deleted.id)).toBeNull();
    expect(createdBy.get(external.id)).toBeNull();
  });
});
