// Tenant isolation: with a valid router-signed token for tenant A, nothing of tenant B's jobs can
// be read, counted, changed or referenced, and worker results reach B only. The last block shows
// the same at the database: Row Level Security, not the resolvers, keeps tenants apart.
import { sql } from 'drizzle-orm';
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CANCEL_JOB,
  COMPLETE_JOB,
  JOB,
  JOBS,
  JOB_METRICS,
  RETRY_JOB,
  UPDATE_JOB,
  WORKER,
  codesOf,
  dataOf,
  enqueue,
  jobById,
  lease,
  startJobs,
  tenantFixture,
  uniqueType,
  uniqueWorker,
  type ConnectionShape,
  type Fields,
} from './test-support.ts';

let sg: TestSubgraph;
const A = tenantFixture();
const B = tenantFixture();
let bJob: string;
let bCursor: string;

beforeAll(async () => {
  sg = await startJobs();
  await enqueue(sg, A.user, { payload: { tenant: 'A' } });
  bJob = (await enqueue(sg, B.user, { payload: { secret: 'B' } })).id;
  await enqueue(sg, B.user, { payload: { secret: 'B2' } });
  const page = dataOf<{ jobs: ConnectionShape }>(await sg.exec(B.user, JOBS, { first: 1 })).jobs;
  bCursor = page.pageInfo.endCursor!;
});
afterAll(() => sg?.close());

describe("tenant A cannot reach tenant B's jobs", () => {
  it('by list and count', async () => {
    const res = dataOf<{ jobs: ConnectionShape }>(await sg.exec(A.admin, JOBS, { first: 100 })).jobs;
    expect(res.totalCount).toBe(1);
    expect(res.edges.map((e) => e.node.id)).not.toContain(bJob);
    const metrics = dataOf<{ jobMetrics: Fields; jobQuota: Fields }>(await sg.exec(A.admin, JOB_METRICS));
    expect(metrics.jobMetrics.queued).toBe(1);
    expect(metrics.jobQuota.used).toBe(1);
  });

  it('by id', async () => {
    expect(dataOf(await sg.exec(A.admin, JOB, { id: bJob }))).toEqual({ job: null });
  });

  it('by cursor', async () => {
    const res = await sg.exec(A.admin, JOBS, { first: 10, after: bCursor });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.data).toBeNull();
  });

  it('by _entities: Job ids and the Tenant entity', async () => {
    const q = `query ($r: [_Any!]!) {
      _entities(representations: $r) {
        ... on Job { id payload tenantId }
        ... on Tenant { id jobQuota { used limit } }
      }
    }`;
    const res = dataOf<{ _entities: unknown[] }>(
      await sg.exec(A.admin, q, {
        r: [
          { __typename: 'Job', id: bJob },
          { __typename: 'Tenant', id: B.tenantId },
          { __typename: 'Tenant', id: A.tenantId },
        ],
      }),
    );
    expect(res._entities).toEqual([null, null, { id: A.tenantId, jobQuota: { used: 1, limit: 10_000 } }]);
    // B itself can reference its job.
    const own = dataOf<{ _entities: unknown[] }>(await sg.exec(B.user, q, { r: [{ __typename: 'Job', id: bJob }] }));
    expect(own._entities).toEqual([{ id: bJob, payload: { secret: 'B' }, tenantId: B.tenantId }]);
  });

  it('by mutations: update, cancel and retry answer NOT_FOUND and change nothing', async () => {
    expect(codesOf(await sg.exec(A.admin, UPDATE_JOB, { input: { id: bJob, priority: 100 } }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sg.exec(A.admin, CANCEL_JOB, { id: bJob }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sg.exec(A.admin, RETRY_JOB, { id: bJob }))).toEqual(['NOT_FOUND']);
    const replay = `mutation ($ids: [ID!]!) { replayDeadLetterJobs(input: { ids: $ids }) { jobs { id } } }`;
    expect(codesOf(await sg.exec(A.admin, replay, { ids: [bJob] }))).toEqual(['NOT_FOUND']);
    const purge = `mutation ($ids: [ID!]) { purgeDeadLetterJobs(input: { ids: $ids }) { purgedCount } }`;
    expect(codesOf(await sg.exec(A.admin, purge, { ids: [bJob] }))).toEqual(['NOT_FOUND']);
    expect(await jobById(sg, B.user, bJob)).toMatchObject({ status: 'QUEUED', priority: 0 });
  });

  it("by the worker protocol's results: B's completed job and its result are visible to B only", async () => {
    const type = uniqueType();
    const job = await enqueue(sg, B.user, { type });
    const workerId = uniqueWorker();
    const leased = await lease(sg, { workerId, types: [type] });
    expect(leased.map((j) => j.id)).toEqual([job.id]);
    dataOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: { invoice: 'B-42' } }));
    expect(await jobById(sg, B.user, job.id)).toMatchObject({ status: 'SUCCEEDED', result: { invoice: 'B-42' } });
    expect(await jobById(sg, A.admin, job.id)).toBeNull();
    const aList = dataOf<{ jobs: ConnectionShape }>(
      await sg.exec(A.admin, JOBS, { first: 100, filter: { status: 'SUCCEEDED' } }),
    ).jobs;
    expect(aList.totalCount).toBe(0);
  });

  it('through the shared tenant setting: a pooled transaction keeps nothing of the previous one', async () => {
    // Interleave both tenants' requests; each answer holds its own tenant's jobs only.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sg.exec(i % 2 ? A.user : B.user, `{ jobs(first: 100) { nodes { tenantId } } }`),
      ),
    );
    results.forEach((res, i) => {
      const tenants = new Set(
        dataOf<{ jobs: { nodes: { tenantId: string }[] } }>(res).jobs.nodes.map((n) => n.tenantId),
      );
      expect([...tenants]).toEqual([i % 2 ? A.tenantId : B.tenantId]);
    });
  });
});

describe('Row Level Security at the database', () => {
  const count = (scope: Parameters<TestSubgraph['database']['run']>[0], table: string) =>
    sg.database.run(scope, async (tx) => {
      const res = (await tx.execute(sql.raw(`select count(*)::int as n from ${table}`))) as unknown as {
        rows: { n: number }[];
      };
      return res.rows[0]!.n;
    });

  it('a tenant scope sees only its own rows in every tenant table; no scope sees none', async () => {
    for (const table of ['jobs', 'job_events', 'job_quota_usage']) {
      const a = await count({ tenantId: A.tenantId }, table);
      const b = await count({ tenantId: B.tenantId }, table);
      expect(a, table).toBeGreaterThan(0);
      expect(b, table).toBeGreaterThan(0);
      if (table === 'jobs') expect(a + b).toBe(await count({ worker: true }, 'jobs'));
      expect(await count({ settings: {} }, table), table).toBe(0);
    }
  });

  it('refuses to write a row into another tenant', async () => {
    await expect(
      sg.database.run({ tenantId: A.tenantId }, (tx) =>
        tx.execute(sql`insert into jobs (tenant_id, type, created_by) values (${B.tenantId}::uuid, 'x', 'u')`),
      ),
    ).rejects.toThrow();
    await expect(
      sg.database.run({ tenantId: A.tenantId }, (tx) =>
        tx.execute(sql`update jobs set tenant_id = ${B.tenantId}::uuid`),
      ),
    ).rejects.toThrow();
  });

  it('the worker scope may update jobs but neither create nor delete them, nor read quotas', async () => {
    await expect(
      sg.database.run({ worker: true }, (tx) =>
        tx.execute(sql`insert into jobs (tenant_id, type, created_by) values (${A.tenantId}::uuid, 'x', 'u')`),
      ),
    ).rejects.toThrow();
    const deleted = await sg.database.run({ worker: true }, async (tx) => {
      const res = (await tx.execute(sql`delete from jobs returning id`)) as unknown as { rows: unknown[] };
      return res.rows.length;
    });
    expect(deleted).toBe(0);
    expect(await count({ worker: true }, 'job_quota_usage')).toBe(0);
    expect(await count({ worker: true }, 'tenant_job_quotas')).toBe(0);
  });
});
