// Authorization of the jobs subgraph: every root field is guarded, and every rule admits the
// caller it should and refuses the one it should, before any resolver runs, entity references
// (lib applies entities.* around __resolveReference) included.
import { buildShieldedSchema } from '@eventzr/lib/server';
import { guardedFields } from '@eventzr/lib/shield';
import { CLAIMS_HEADER } from '@eventzr/lib/claims';
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions } from './permissions.ts';
import { definitionOf } from '@eventzr/lib/subgraph';
import { resolvers } from './resolvers/index.ts';
import { subgraph } from './subgraph.ts';
import {
  CANCEL_JOB,
  DEAD_LETTER_JOBS,
  ENQUEUE_JOB,
  FAIL_JOB,
  JOB,
  JOBS,
  JOB_METRICS,
  RETRY_JOB,
  UPDATE_JOB,
  SCHEDULER,
  WORKER,
  WORKERS,
  codesOf,
  dataOf,
  enqueue,
  jobById,
  lease,
  startJobs,
  tenantFixture,
  uniqueType,
  uniqueWorker,
  userCaller,
} from './test-support.ts';

// ---------------------------------------------------------------- the tree
// That the tree and the SDL agree (every directive guaranteed by its rule, every @key with an entity
// rule) is lib's check, run when the subgraph starts and by schema:check.

describe('the permission tree', () => {
  it('names a rule for every root field of the executable schema (none left to the deny fallback)', () => {
    const schema = buildShieldedSchema(definitionOf(subgraph, { resolvers }));
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const f of Object.keys(root.getFields()))
        expect(permissions[root.name]?.[f], `${root.name}.${f}`).toBeDefined();
    }
    expect(guardedFields(schema, permissions)).toEqual(expect.arrayContaining(['Tenant.jobQuota', 'Job.createdBy']));
  });
});

// ---------------------------------------------------------------- every rule, both ways

let sg: TestSubgraph;
const t = tenantFixture();
/** A verified user whose roles grant nothing: a token, but no permission. */
const nobody = userCaller({ tenantId: t.tenantId, roles: [] });
const ANON = { kind: 'anonymous' } as const;

beforeAll(async () => {
  sg = await startJobs();
});
afterAll(() => sg?.close());

const refusedWith = async (caller: Parameters<TestSubgraph['exec']>[0], query: string, vars: Record<string, unknown>) =>
  codesOf(await sg.exec(caller, query, vars));

describe('permission rules', () => {
  const reads: [string, string, Record<string, unknown>][] = [
    ['jobs', JOBS, { first: 5 }],
    ['job', JOB, { id: crypto.randomUUID() }],
    ['jobMetrics + jobQuota', JOB_METRICS, {}],
    ['deadLetterJobs', DEAD_LETTER_JOBS, { first: 5 }],
  ];
  it.each(reads)(
    '%s: allowed to a viewer; refused to a user without permissions, an internal caller and anonymous',
    async (_n, q, vars) => {
      dataOf(await sg.exec(t.viewer, q, vars));
      const res = await sg.exec(nobody, q, vars);
      expect(codesOf(res)[0]).toBe('FORBIDDEN');
      expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual([
        expect.stringMatching(/^jobs:(read|dlq)$/),
      ]);
      expect((await refusedWith(WORKER, q, vars))[0]).toBe('FORBIDDEN');
      expect((await refusedWith(ANON, q, vars))[0]).toBe('UNAUTHENTICATED');
    },
  );

  it('enqueueJob (jobs:create): allowed to a viewer, refused without the permission (nothing enqueued)', async () => {
    await enqueue(sg, t.viewer);
    expect(await refusedWith(nobody, ENQUEUE_JOB, { input: { type: 'a', payload: {} } })).toEqual(['FORBIDDEN']);
    expect(await refusedWith(WORKER, ENQUEUE_JOB, { input: { type: 'a', payload: {} } })).toEqual(['FORBIDDEN']);
    const counted = dataOf<{ jobs: { totalCount: number } }>(await sg.exec(t.viewer, `{ jobs { totalCount } }`));
    expect(counted.jobs.totalCount).toBe(1);
  });

  it('workers (jobs:admin): allowed to an admin, refused to a viewer and a user', async () => {
    dataOf(await sg.exec(t.admin, WORKERS));
    for (const caller of [t.viewer, t.user, nobody]) {
      const res = await sg.exec(caller, WORKERS);
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
    }
  });

  it('setTenantJobQuota (jobs:admin): allowed to an admin, refused to a user', async () => {
    const q = `mutation { setTenantJobQuota(input: { dailyLimit: 500 }) { quota { limit } } }`;
    expect(await refusedWith(t.user, q, {})).toEqual(['FORBIDDEN']);
    expect(dataOf(await sg.exec(t.admin, q))).toEqual({ setTenantJobQuota: { quota: { limit: 500 } } });
    dataOf(await sg.exec(t.admin, `mutation { setTenantJobQuota(input: { dailyLimit: null }) { quota { limit } } }`));
  });

  describe('job owner or administrator (updateJob, cancelJob, retryJob)', () => {
    it('allows the creator and an administrator; refuses another user and one without the permission', async () => {
      const job = await enqueue(sg, t.user);
      for (const caller of [t.other, t.viewer]) {
        const res = await sg.exec(caller, UPDATE_JOB, { input: { id: job.id, priority: 7 } });
        expect(codesOf(res)).toEqual(['FORBIDDEN']);
        expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
        expect(await refusedWith(caller, CANCEL_JOB, { id: job.id })).toEqual(['FORBIDDEN']);
      }
      expect(await refusedWith(nobody, UPDATE_JOB, { input: { id: job.id, priority: 7 } })).toEqual(['FORBIDDEN']);
      expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'QUEUED', priority: 0 });

      expect(dataOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, priority: 7 } }))).toMatchObject({
        updateJob: { job: { priority: 7 } },
      });
      expect(dataOf(await sg.exec(t.admin, UPDATE_JOB, { input: { id: job.id, priority: 8 } }))).toMatchObject({
        updateJob: { job: { priority: 8 } },
      });
      expect(dataOf(await sg.exec(t.admin, CANCEL_JOB, { id: job.id }))).toMatchObject({
        cancelJob: { job: { status: 'CANCELLED' } },
      });
      const mine = await enqueue(sg, t.user);
      expect(dataOf(await sg.exec(t.user, CANCEL_JOB, { id: mine.id }))).toMatchObject({
        cancelJob: { job: { status: 'CANCELLED' } },
      });
    });

    it('retryJob: allows the creator and an administrator, refuses another user', async () => {
      const type = uniqueType();
      const job = await enqueue(sg, t.user, { type, maxAttempts: 1 });
      const workerId = uniqueWorker();
      await lease(sg, { workerId, types: [type] });
      dataOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'x' }));
      expect(await refusedWith(t.other, RETRY_JOB, { id: job.id })).toEqual(['FORBIDDEN']);
      expect(dataOf(await sg.exec(t.user, RETRY_JOB, { id: job.id }))).toMatchObject({
        retryJob: { job: { status: 'QUEUED' } },
      });
      await lease(sg, { workerId, types: [type] });
      dataOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'x' }));
      expect(dataOf(await sg.exec(t.admin, RETRY_JOB, { id: job.id }))).toMatchObject({
        retryJob: { job: { status: 'QUEUED' } },
      });
    });
  });

  describe('owner of every listed job or administrator (replayDeadLetterJobs, purgeDeadLetterJobs)', () => {
    const REPLAY = `mutation ($ids: [ID!]!) { replayDeadLetterJobs(input: { ids: $ids }) { jobs { id status } } }`;
    const PURGE = `mutation ($ids: [ID!], $before: DateTime) {
      purgeDeadLetterJobs(input: { ids: $ids, finishedBefore: $before }) { purgedCount } }`;

    async function deadLetteredBy(caller: typeof t.user): Promise<string> {
      const type = uniqueType();
      const job = await enqueue(sg, caller, { type, maxAttempts: 1 });
      const workerId = uniqueWorker();
      await lease(sg, { workerId, types: [type] });
      dataOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'x' }));
      return job.id;
    }

    it("refuses a list holding another user's job; allows the owner and an administrator", async () => {
      const mine = await deadLetteredBy(t.user);
      const theirs = await deadLetteredBy(t.other);
      expect(await refusedWith(t.user, REPLAY, { ids: [mine, theirs] })).toEqual(['FORBIDDEN']);
      expect(await refusedWith(t.user, PURGE, { ids: [mine, theirs] })).toEqual(['FORBIDDEN']);
      expect((await jobById(sg, t.user, mine))?.status).toBe('DEAD_LETTERED');

      expect(dataOf(await sg.exec(t.user, REPLAY, { ids: [mine] }))).toMatchObject({
        replayDeadLetterJobs: { jobs: [{ id: mine, status: 'QUEUED' }] },
      });
      expect(dataOf(await sg.exec(t.admin, PURGE, { ids: [theirs] }))).toEqual({
        purgeDeadLetterJobs: { purgedCount: 1 },
      });
      const again = await deadLetteredBy(t.other);
      expect(dataOf(await sg.exec(t.other, PURGE, { ids: [again] }))).toEqual({
        purgeDeadLetterJobs: { purgedCount: 1 },
      });
      expect(await refusedWith(nobody, REPLAY, { ids: [mine] })).toEqual(['FORBIDDEN']);
    });

    it('purging by time: allowed to an administrator, refused to a user', async () => {
      const before = new Date(Date.now() - 86_400_000).toISOString();
      const res = await sg.exec(t.user, PURGE, { before });
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
      expect(dataOf(await sg.exec(t.admin, PURGE, { before }))).toEqual({ purgeDeadLetterJobs: { purgedCount: 0 } });
    });
  });

  it('hasInternalScope(internal:jobs.worker) (the worker protocol): allowed to a worker credential; refused to a credential without the scope and to an administrator', async () => {
    const q = `mutation ($w: ID!) { leaseJobs(input: { workerId: $w, types: ["none.here"], max: 1, leaseSeconds: 30 }) { jobs { id } } }`;
    expect(dataOf(await sg.exec(WORKER, q, { w: uniqueWorker() }))).toEqual({ leaseJobs: { jobs: [] } });
    expect(await refusedWith(SCHEDULER, q, { w: uniqueWorker() })).toEqual(['FORBIDDEN']);
    expect(await refusedWith(t.admin, q, { w: uniqueWorker() })).toEqual(['FORBIDDEN']);
  });

  it('_entities: a Job reference needs jobs:read (entities.Job); anonymous callers are refused first', async () => {
    const job = await enqueue(sg, t.user);
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id } } }`;
    const r = [{ __typename: 'Job', id: job.id }];
    expect(dataOf(await sg.exec(t.viewer, q, { r }))).toEqual({ _entities: [{ id: job.id }] });
    expect(await refusedWith(ANON, q, { r })).toEqual(['UNAUTHENTICATED']);
    const refused = await sg.exec(nobody, q, { r });
    expect(refused.body.data).toEqual({ _entities: [null] });
    expect(
      refused.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.requiredPermissions]),
    ).toEqual([['_entities.0', 'FORBIDDEN', ['jobs:read']]]);
    // Internal callers hold no user permission: refused, not merely empty.
    expect(await refusedWith(WORKER, q, { r })).toEqual(['FORBIDDEN']);
  });

  it('_entities: a refused reference is null at its own index; the others of the call resolve', async () => {
    const job = await enqueue(sg, t.user);
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [uniqueType()], max: 1 });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id } ... on Worker { id } } }`;
    const r = [
      { __typename: 'Job', id: job.id },
      { __typename: 'Worker', id: workerId },
    ];
    const res = await sg.exec(t.user, q, { r });
    expect(res.body.data).toEqual({ _entities: [{ id: job.id }, null] });
    expect(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
      ['_entities.1', 'FORBIDDEN'],
    ]);
  });

  it('Job.createdBy (users:read, what the auth subgraph requires of a User reference): allowed to a viewer, refused without it', async () => {
    const job = await enqueue(sg, t.user);
    const q = `query ($id: ID!) { job(id: $id) { id createdBy { __typename id } } }`;
    expect(dataOf(await sg.exec(t.viewer, q, { id: job.id }))).toEqual({
      job: { id: job.id, createdBy: { __typename: 'User', id: t.user.userId } },
    });
    const readsJobsOnly = userCaller({ tenantId: t.tenantId, roles: [], permissions: ['jobs:read'] });
    const res = await sg.exec(readsJobsOnly, q, { id: job.id });
    expect(res.body.data).toEqual({ job: { id: job.id, createdBy: null } });
    expect(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.requiredPermissions])).toEqual([
      ['job.createdBy', ['users:read']],
    ]);
  });

  it('_entities: a Tenant reference needs a user (entities.Tenant); an internal caller is refused', async () => {
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id } } }`;
    const r = [{ __typename: 'Tenant', id: t.tenantId }];
    expect(dataOf(await sg.exec(t.viewer, q, { r }))).toEqual({ _entities: [{ id: t.tenantId }] });
    // Another tenant's id resolves to null, as row level security would answer.
    expect(dataOf(await sg.exec(tenantFixture().viewer, q, { r }))).toEqual({ _entities: [null] });
    expect(await refusedWith(WORKER, q, { r })).toEqual(['FORBIDDEN']);
    expect(await refusedWith(ANON, q, { r })).toEqual(['UNAUTHENTICATED']);
  });

  it('_entities: a Worker reference needs jobs:admin (what `workers` needs); an internal caller is refused', async () => {
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [uniqueType()], max: 1 });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id status firstSeenAt } } }`;
    const r = [{ __typename: 'Worker', id: workerId }];
    const seen = dataOf<{ _entities: [{ id: string; status: string; firstSeenAt: string }] }>(
      await sg.exec(t.admin, q, { r }),
    );
    expect(seen._entities).toEqual([{ id: workerId, status: 'ACTIVE', firstSeenAt: expect.any(String) }]);
    // Platform data, not tenant data: another tenant's administrator sees the same entry.
    const elsewhere = tenantFixture();
    expect(dataOf(await sg.exec(elsewhere.admin, q, { r }))).toEqual(seen);
    for (const caller of [t.viewer, t.user, nobody]) {
      const res = await sg.exec(caller, q, { r });
      expect(codesOf(res)).toEqual(['FORBIDDEN']);
      expect(res.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['jobs:admin']);
    }
    expect(await refusedWith(WORKER, q, { r })).toEqual(['FORBIDDEN']);
    expect(await refusedWith(ANON, q, { r })).toEqual(['UNAUTHENTICATED']);
  });

  it('_entities: an unknown or impossible Worker id resolves to null, never an error', async () => {
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id } } }`;
    const ids = [uniqueWorker(), 'bad\u0000id', 'x'.repeat(500), ''];
    const res = dataOf(await sg.exec(t.admin, q, { r: ids.map((id) => ({ __typename: 'Worker', id })) }));
    expect(res).toEqual({ _entities: ids.map(() => null) });
  });

  it('Tenant.jobQuota (jobs:read): allowed to a viewer, refused without the permission', async () => {
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { id jobQuota { limit } } } }`;
    const r = [{ __typename: 'Tenant', id: t.tenantId }];
    expect(dataOf(await sg.exec(t.viewer, q, { r }))).toEqual({
      _entities: [{ id: t.tenantId, jobQuota: { limit: 10_000 } }],
    });
    expect(await refusedWith(nobody, q, { r })).toEqual(['FORBIDDEN']);
  });

  it('_service: allowed to anyone with a router-signed token (composition reads it)', async () => {
    const res = dataOf<{ _service: { sdl: string } }>(await sg.exec(ANON, `{ _service { sdl } }`));
    expect(res._service.sdl).toContain('type Job');
  });
});

describe('the claims token', () => {
  it('without one, or one for another subgraph or operation, the subgraph serves nothing (401)', async () => {
    const query = `{ jobs { totalCount } }`;
    const none = await sg.post({ query });
    expect(none.status).toBe(401);
    expect(codesOf(none)).toEqual(['UNAUTHENTICATED']);
    const otherAudience = await sg.post({ query }, { [CLAIMS_HEADER]: await sg.sign(t.admin, query, {}, 'auth') });
    expect(otherAudience.status).toBe(401);
    const otherOperation = await sg.post(
      { query: `{ workers { totalCount } }` },
      { [CLAIMS_HEADER]: await sg.sign(t.admin, query, {}) },
    );
    expect(otherOperation.status).toBe(401);
    const forged = await sg.post(
      { query },
      { 'x-user-id': t.admin.userId, 'x-tenant-id': t.tenantId, 'x-roles': 'admin' },
    );
    expect(forged.status).toBe(401);
  });
});
