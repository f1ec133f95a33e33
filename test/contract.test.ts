// Every auth, Me and jobs operation of the client contract, and every jobs operation of the
// workers' contract, sent as written through the router to the real subgraphs: each validates
// against the supergraph, succeeds, and returns every field it selects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingSelections, nullSelections } from './support/selection.ts';
import { clientOperations, INTERNAL_KEY, startStack, type GqlResult, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const internal = clientOperations('eventzr-jobs-worker');
const internalHeaders = { 'x-internal-api-key': INTERNAL_KEY };

let stack: Stack;
let dev: { accessToken: string; refreshToken: string };
let admin: { accessToken: string; refreshToken: string };

beforeAll(async () => {
  stack = await startStack();
  dev = await stack.login('dev@eventzr.com');
  admin = await stack.login('admin@eventzr.com');
});
afterAll(() => stack?.stop());

/** Sends a contract operation as written and checks it returns everything it selects. */
async function run(
  name: string,
  variables: Record<string, unknown>,
  opts: { token?: string; headers?: Record<string, string>; allowNull?: string[]; from?: Map<string, string> } = {},
): Promise<GqlResult> {
  const query = (opts.from ?? web).get(name);
  if (!query) throw new Error(`no contract operation ${name}`);
  const res = await stack.gql(query, variables, opts);
  expect(res.body.errors, `${name}: ${JSON.stringify(res.body.errors)}`).toBeUndefined();
  expect(res.status).toBe(200);
  expect(missingSelections(query, res.body.data), name).toEqual([]);
  expect(nullSelections(query, res.body.data, opts.allowNull ?? []), name).toEqual([]);
  return res;
}

describe('client contract: auth and me', () => {
  it('Login, RefreshToken, Logout', async () => {
    const login = await run('Login', { email: 'viewer@eventzr.com', password: 'Password123!' });
    expect(login.body.data?.login.tokenType).toBe('Bearer');
    const refreshed = await run('RefreshToken', { refreshToken: login.body.data?.login.refreshToken });
    expect(refreshed.body.data?.refreshToken.refreshToken).not.toBe(login.body.data?.login.refreshToken);
    const token = refreshed.body.data?.refreshToken.accessToken as string;
    const out = await run('Logout', { refreshToken: refreshed.body.data?.refreshToken.refreshToken }, { token });
    expect(out.body.data?.logout.revoked).toBe(true);
  });

  it('Register and RequestPasswordReset (public)', async () => {
    const reg = await run('Register', { email: 'newcomer@example.com', password: 'Sup3rsecret', name: 'New Comer' });
    expect(reg.body.data?.register.user.email).toBe('newcomer@example.com');
    const reset = await run('RequestPasswordReset', { email: 'dev@eventzr.com' });
    expect(reset.body.data?.requestPasswordReset.accepted).toBe(true);
  });

  it('Me', async () => {
    const me = await run('Me', {}, { token: dev.accessToken });
    expect(me.body.data?.me).toMatchObject({
      email: 'dev@eventzr.com',
      tenant: { id: '00000000-0000-4000-8000-000000000001', name: 'EventZR Demo' },
    });
    expect(me.body.data?.me.permissions).toContain('jobs:read');
  });
});

describe('client contract: jobs', () => {
  let jobId: string;

  it('EnqueueJob resolves createdBy across subgraphs', async () => {
    const res = await run(
      'EnqueueJob',
      { input: { type: 'email.send', payload: { to: 'a@example.com' }, priority: 5 } },
      { token: dev.accessToken },
    );
    const job = res.body.data?.enqueueJob.job;
    expect(job).toMatchObject({ type: 'email.send', status: 'QUEUED', priority: 5, attempts: 0 });
    expect(job.createdBy).toEqual({ id: '00000000-0000-4000-8000-000000000102', email: 'dev@eventzr.com' });
    jobId = job.id;
  });

  it('Jobs, JobsBackward, Job', async () => {
    for (let i = 0; i < 3; i++)
      await run(
        'EnqueueJob',
        { input: { type: 'report.build', payload: { i }, priority: 1 } },
        { token: dev.accessToken },
      );
    const list = await run(
      'Jobs',
      { first: 2, filter: { status: 'QUEUED' } },
      { token: dev.accessToken, allowNull: [] },
    );
    const jobs = list.body.data?.jobs;
    expect(jobs.edges).toHaveLength(2);
    expect(jobs.totalCount).toBeGreaterThanOrEqual(4);
    expect(jobs.pageInfo.hasNextPage).toBe(true);
    const next = await run('Jobs', { first: 2, after: jobs.pageInfo.endCursor }, { token: dev.accessToken });
    expect(next.body.data?.jobs.edges[0].node.id).not.toBe(jobs.edges[1].node.id);
    const back = await run(
      'JobsBackward',
      { last: 2, before: next.body.data?.jobs.pageInfo.startCursor },
      { token: dev.accessToken },
    );
    const ids = (c: { edges: Array<{ node: { id: string } }> }) => c.edges.map((e) => e.node.id);
    // The two jobs before the second page's first are the first page, in the same order.
    expect(ids(back.body.data?.jobs)).toEqual(ids(jobs));
    await run('Job', { id: jobId }, { token: dev.accessToken, allowNull: ['lastError'] });
  });

  it('UpdateJob, CancelJob', async () => {
    const upd = await run(
      'UpdateJob',
      { input: { id: jobId, priority: 9, payload: { to: 'b@example.com' } } },
      { token: dev.accessToken },
    );
    expect(upd.body.data?.updateJob.job).toMatchObject({ id: jobId, priority: 9, payload: { to: 'b@example.com' } });
    const cancel = await run('CancelJob', { id: jobId }, { token: dev.accessToken });
    expect(cancel.body.data?.cancelJob.job.status).toBe('CANCELLED');
  });

  it('the worker protocol: LeaseJobs, HeartbeatJob, CompleteJob, FailJob; then RetryJob, DeadLetterJobs', async () => {
    await run(
      'EnqueueJob',
      { input: { type: 'contract.work', payload: {}, maxAttempts: 1 } },
      { token: dev.accessToken },
    );
    await run(
      'EnqueueJob',
      { input: { type: 'contract.work', payload: {}, maxAttempts: 1 } },
      { token: dev.accessToken },
    );
    const lease = await run(
      'LeaseJobs',
      { workerId: 'worker-1', types: ['contract.work'], max: 2, leaseSeconds: 60 },
      { from: internal, headers: internalHeaders, allowNull: [] },
    );
    const leased = lease.body.data?.leaseJobs.jobs as Array<{ id: string }>;
    expect(leased).toHaveLength(2);
    const [a, b] = leased as [{ id: string }, { id: string }];
    await run(
      'HeartbeatJob',
      { jobId: a.id, workerId: 'worker-1', leaseSeconds: 120 },
      { from: internal, headers: internalHeaders },
    );
    const done = await run(
      'CompleteJob',
      { jobId: a.id, workerId: 'worker-1', result: { ok: true } },
      { from: internal, headers: internalHeaders },
    );
    expect(done.body.data?.completeJob.job.status).toBe('SUCCEEDED');
    const failed = await run(
      'FailJob',
      { jobId: b.id, workerId: 'worker-1', error: 'boom' },
      { from: internal, headers: internalHeaders },
    );
    expect(failed.body.data?.failJob.job).toMatchObject({ status: 'DEAD_LETTERED', attempts: 1 });

    const dlq = await run('DeadLetterJobs', { first: 10 }, { token: dev.accessToken, allowNull: ['endCursor'] });
    expect(dlq.body.data?.deadLetterJobs.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(b.id);
    const retry = await run('RetryJob', { id: b.id }, { token: dev.accessToken });
    expect(retry.body.data?.retryJob.job).toMatchObject({ id: b.id, status: 'QUEUED' });
  });

  it('JobMetrics and Workers (admin)', async () => {
    const m = await run('JobMetrics', {}, { token: dev.accessToken });
    expect(m.body.data?.jobMetrics.succeeded).toBeGreaterThanOrEqual(1);
    expect(m.body.data?.jobQuota.used).toBeGreaterThanOrEqual(1);
    const w = await run('Workers', {}, { token: admin.accessToken });
    expect(w.body.data?.workers.edges.map((e: { node: { id: string } }) => e.node.id)).toContain('worker-1');
  });
});
