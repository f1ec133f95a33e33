// The development seed: every development tenant gets jobs in every status, visible to its own
// users only, and a second run changes nothing.
import { DEV_TENANTS, DEV_USERS, devUserCaller } from '@eventzr/lib/dev-seed';
import type { UserCaller } from '@eventzr/lib/claims';
import { startTestSubgraph, type TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedJobs } from './seed.ts';
import { subgraph } from './subgraph.ts';
import { dataOf } from './test-support.ts';

let sg: TestSubgraph;
beforeAll(async () => {
  sg = await startTestSubgraph(subgraph, { seed: true });
});
afterAll(() => sg?.close());

const devCaller = (u: (typeof DEV_USERS)[number]): UserCaller => devUserCaller(u, 'dev');

it('gives each development tenant jobs in every status, its own only; a second run inserts nothing', async () => {
  await seedJobs(sg.database);
  for (const tenant of DEV_TENANTS) {
    const admin = devCaller(DEV_USERS.find((u) => u.tenantId === tenant.id && u.roles.includes('admin' as never))!);
    const res = dataOf<{
      jobs: { totalCount: number; nodes: { status: string; tenantId: string }[] };
      workers: { nodes: { id: string }[] };
    }>(
      await sg.exec(
        admin,
        `{ jobs(first: 100) { totalCount nodes { status tenantId } } workers(first: 10) { nodes { id } } }`,
      ),
    );
    expect(res.jobs.totalCount).toBe(7);
    expect(new Set(res.jobs.nodes.map((n) => n.tenantId))).toEqual(new Set([tenant.id]));
    expect(new Set(res.jobs.nodes.map((n) => n.status))).toEqual(
      new Set(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEAD_LETTERED']),
    );
    expect(res.workers.nodes.map((w) => w.id)).toEqual(['seed-worker-1']);
  }
});
