// The worker protocol: leasing, heartbeats, completion, failure with backoff, lease expiry and
// dead-lettering, concurrency, and who may call it.
import { sql } from 'drizzle-orm';
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from './repositories/jobs.ts';
import {
  COMPLETE_JOB,
  FAIL_JOB,
  HEARTBEAT_JOB,
  LEASE_JOBS,
  OTHER_WORKER,
  SCHEDULER,
  WORKER,
  WORKERS,
  codesOf,
  dataOf,
  enqueue,
  expireLeases,
  jobById,
  lease,
  makeDue,
  startJobs,
  tenantFixture,
  uniqueType,
  uniqueWorker,
  type ConnectionShape,
  type LeasedJob,
} from './test-support.ts';

let sg: TestSubgraph;
beforeAll(async () => {
  sg = await startJobs();
});
afterAll(() => sg?.close());

const t = tenantFixture();

async function kindsOf(tenantId: string, jobId: string): Promise<string[]> {
  const events = await sg.database.run({ tenantId }, (tx) => eventsOf(tx, jobId));
  return events.map((e) => e.kind).sort();
}

describe('leaseJobs', () => {
  it('leases ready jobs of the asked types, highest priority first, and returns what LeaseJobs selects', async () => {
    const type = uniqueType();
    const low = await enqueue(sg, t.user, { type, priority: -5, payload: { p: 'low' } });
    const high = await enqueue(sg, t.user, { type, priority: 50, payload: { p: 'high' } });
    const mid = await enqueue(sg, t.user, { type, priority: 0, payload: { p: 'mid' } });
    const later = await enqueue(sg, t.user, {
      type,
      priority: 100,
      runAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    const otherType = await enqueue(sg, t.user, { type: uniqueType(), priority: 100 });

    const workerId = uniqueWorker();
    const res = await sg.exec(WORKER, LEASE_JOBS, { workerId, types: [type], max: 10, leaseSeconds: 30 });
    const jobs = dataOf<{ leaseJobs: { jobs: LeasedJob[] } }>(res).leaseJobs.jobs;
    expect(jobs.map((j) => j.id)).toEqual([high.id, mid.id, low.id]);
    expect(jobs[0]).toEqual({
      id: high.id,
      type,
      payload: { p: 'high' },
      attempts: 1,
      leaseExpiresAt: expect.any(String),
    });
    const expires = Date.parse(jobs[0]!.leaseExpiresAt);
    expect(expires).toBeGreaterThan(Date.now() + 20_000);
    expect(expires).toBeLessThan(Date.now() + 40_000);

    const seen = await jobById(sg, t.user, high.id);
    expect(seen).toMatchObject({ status: 'RUNNING', workerId, attempts: 1 });
    expect((await jobById(sg, t.user, later.id))?.status).toBe('QUEUED');
    expect((await jobById(sg, t.user, otherType.id))?.status).toBe('QUEUED');
    expect(await kindsOf(t.tenantId, high.id)).toEqual(['enqueued', 'leased']);
  });

  it('leases at most `max` and nothing twice', async () => {
    const type = uniqueType();
    for (let i = 0; i < 5; i++) await enqueue(sg, t.user, { type });
    const first = await lease(sg, { workerId: uniqueWorker(), types: [type], max: 3 });
    const second = await lease(sg, { workerId: uniqueWorker(), types: [type], max: 3 });
    const third = await lease(sg, { workerId: uniqueWorker(), types: [type], max: 3 });
    expect(first).toHaveLength(3);
    expect(second).toHaveLength(2);
    expect(third).toHaveLength(0);
    expect(new Set([...first, ...second].map((j) => j.id)).size).toBe(5);
  });

  it('refuses out-of-range arguments with BAD_USER_INPUT', async () => {
    const base = { workerId: uniqueWorker(), types: ['email.send'], max: 1, leaseSeconds: 30 };
    for (const bad of [
      { max: 0 },
      { max: 101 },
      { leaseSeconds: 4 },
      { leaseSeconds: 3601 },
      { types: [] },
      { types: ['Not A Type'] },
      { workerId: 'has spaces' },
      { workerId: 'x'.repeat(129) },
    ]) {
      const res = await sg.exec(WORKER, LEASE_JOBS, { ...base, ...bad });
      expect(codesOf(res), JSON.stringify(bad)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('registers the worker, which administrators see in `workers`', async () => {
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [uniqueType()], max: 1 });
    const res = await sg.exec(t.admin, WORKERS);
    const nodes = dataOf<{ workers: ConnectionShape }>(res).workers.edges.map((e) => e.node);
    const mine = nodes.find((n) => n.id === workerId);
    expect(mine).toEqual({ id: workerId, status: 'ACTIVE', lastHeartbeatAt: expect.any(String) });
    expect(Math.abs(Date.parse(String(mine!.lastHeartbeatAt)) - Date.now())).toBeLessThan(30_000);
  });
});

describe('heartbeatJob', () => {
  it('extends the lease of the worker that holds it, and returns what HeartbeatJob selects', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    const [leased] = await lease(sg, { workerId, types: [type], leaseSeconds: 10 });
    const res = await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId, leaseSeconds: 600 });
    const hb = dataOf<{ heartbeatJob: { job: { id: string; leaseExpiresAt: string } } }>(res).heartbeatJob.job;
    expect(hb.id).toBe(job.id);
    expect(Date.parse(hb.leaseExpiresAt)).toBeGreaterThan(Date.parse(leased!.leaseExpiresAt) + 500_000);
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'heartbeat', 'leased']);
  });

  it('is CONFLICT for another worker, and leaves the lease alone', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const holder = uniqueWorker();
    const [leased] = await lease(sg, { workerId: holder, types: [type], leaseSeconds: 10 });
    const res = await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId: uniqueWorker(), leaseSeconds: 600 });
    expect(codesOf(res)).toEqual(['CONFLICT']);
    const seen = await jobById(sg, t.user, job.id);
    expect(seen).toMatchObject({ workerId: holder, leaseExpiresAt: leased!.leaseExpiresAt });
  });

  it('is CONFLICT once the lease has expired, NOT_FOUND for an unknown job, BAD_USER_INPUT for a bad id', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    await expireLeases(sg, [job.id]);
    expect(codesOf(await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId, leaseSeconds: 60 }))).toEqual([
      'CONFLICT',
    ]);
    expect(
      codesOf(await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: crypto.randomUUID(), workerId, leaseSeconds: 60 })),
    ).toEqual(['NOT_FOUND']);
    expect(codesOf(await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: 'nope', workerId, leaseSeconds: 60 }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });
});

describe('completeJob', () => {
  it('marks the job SUCCEEDED with its result, visible to its tenant', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    const res = await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: { sent: true, id: 'msg-1' } });
    expect(dataOf(res)).toEqual({ completeJob: { job: { id: job.id, status: 'SUCCEEDED' } } });
    const seen = await jobById(sg, t.user, job.id);
    expect(seen).toMatchObject({
      status: 'SUCCEEDED',
      result: { sent: true, id: 'msg-1' },
      leaseExpiresAt: null,
      workerId,
      finishedAt: expect.any(String),
    });
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['completed', 'enqueued', 'leased']);
  });

  it('is CONFLICT for a worker that does not hold the lease, and twice', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    expect(
      codesOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId: uniqueWorker(), result: null })),
    ).toEqual(['CONFLICT']);
    dataOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: null }));
    expect(codesOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: null }))).toEqual([
      'CONFLICT',
    ]);
  });

  it('refuses an oversized result with BAD_USER_INPUT', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    const res = await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: { blob: 'x'.repeat(70_000) } });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect((await jobById(sg, t.user, job.id))?.status).toBe('RUNNING');
  });

  it('refuses a result the database cannot store with BAD_USER_INPUT, and the lease stays', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 33; i++) deep = [deep];
    for (const result of [{ s: 'a\u0000b' }, { ['\u0000']: 1 }, { s: '\ud800' }, ['\udfff'], deep]) {
      const res = await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result });
      expect(codesOf(res), JSON.stringify(result).slice(0, 40)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'RUNNING', result: null, workerId });
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'leased']);
  });
});

describe('failJob', () => {
  it('FAILED with a backoff while attempts remain; leasable again only once due; DEAD_LETTERED at maxAttempts', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type, maxAttempts: 2 });
    const workerId = uniqueWorker();

    await lease(sg, { workerId, types: [type] });
    const res = await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'SMTP 451' });
    expect(dataOf(res)).toEqual({ failJob: { job: { id: job.id, status: 'FAILED', attempts: 1 } } });
    const failed = await jobById(sg, t.user, job.id);
    expect(failed).toMatchObject({ status: 'FAILED', lastError: 'SMTP 451', leaseExpiresAt: null });
    // First backoff: 10 s.
    expect(Date.parse(String(failed!.runAt))).toBeGreaterThan(Date.now() + 5_000);
    expect(await lease(sg, { workerId, types: [type] })).toEqual([]);

    await makeDue(sg, [job.id]);
    const [again] = await lease(sg, { workerId, types: [type] });
    expect(again).toMatchObject({ id: job.id, attempts: 2 });
    const last = await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'SMTP 550' });
    expect(dataOf(last)).toEqual({ failJob: { job: { id: job.id, status: 'DEAD_LETTERED', attempts: 2 } } });
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'DEAD_LETTERED', lastError: 'SMTP 550' });
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['dead_lettered', 'enqueued', 'failed', 'leased', 'leased']);
  });

  it('dead-letters at once when the worker says the failure is permanent', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type, maxAttempts: 5 });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    const res = await sg.exec(
      WORKER,
      `mutation ($jobId: ID!, $workerId: ID!) {
         failJob(input: { jobId: $jobId, workerId: $workerId, error: "invalid address", retryable: false }) { job { status attempts } }
       }`,
      { jobId: job.id, workerId },
    );
    expect(dataOf(res)).toEqual({ failJob: { job: { status: 'DEAD_LETTERED', attempts: 1 } } });
  });

  it('keeps a long error truncated rather than refusing it; is CONFLICT for another worker', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    expect(codesOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId: uniqueWorker(), error: 'x' }))).toEqual([
      'CONFLICT',
    ]);
    dataOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'e'.repeat(10_000) }));
    expect((await jobById(sg, t.user, job.id))?.lastError).toHaveLength(4000);
    expect(codesOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: '' }))).toEqual([
      'BAD_USER_INPUT',
    ]);
  });

  it('refuses an error holding U+0000 or a lone surrogate with BAD_USER_INPUT, and the lease stays', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    for (const error of ['bad\u0000byte', 'half \ud83d pair', '\ude00']) {
      const res = await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error });
      expect(codesOf(res), JSON.stringify(error)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'RUNNING', lastError: null });
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'leased']);
  });

  it('truncates a long error without splitting a surrogate pair', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    // The cut falls between the two halves of the emoji.
    const error = `${'e'.repeat(3998)}😀${'x'.repeat(100)}`;
    dataOf(await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error }));
    expect((await jobById(sg, t.user, job.id))?.lastError).toBe(`${'e'.repeat(3998)}…`);
  });
});

describe('lease expiry', () => {
  it('returns the job to the queue on the next lease; the old holder can no longer act on it', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type, maxAttempts: 2 });
    const first = uniqueWorker();
    const second = uniqueWorker();
    await lease(sg, { workerId: first, types: [type] });
    await expireLeases(sg, [job.id]);

    const [again] = await lease(sg, { workerId: second, types: [type] });
    expect(again).toMatchObject({ id: job.id, attempts: 2 });
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'RUNNING', workerId: second });
    expect(codesOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId: first, result: null }))).toEqual([
      'CONFLICT',
    ]);
    expect(codesOf(await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId: first, leaseSeconds: 60 }))).toEqual(
      ['CONFLICT'],
    );
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'lease_expired', 'leased', 'leased']);
  });

  it('dead-letters a job whose lease expires on its last attempt', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type, maxAttempts: 1 });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    await expireLeases(sg, [job.id]);
    // Any worker's lease call reclaims expired leases, whatever types it asks for.
    expect(await lease(sg, { workerId: uniqueWorker(), types: [uniqueType()] })).toEqual([]);
    const seen = await jobById(sg, t.user, job.id);
    expect(seen).toMatchObject({ status: 'DEAD_LETTERED', attempts: 1, leaseExpiresAt: null });
    expect(seen?.lastError).toContain('lease expired');
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'lease_expired_dead_lettered', 'leased']);
  });
});

describe('who may call the worker protocol', () => {
  it("refuses user tokens, even an administrator's, with FORBIDDEN", async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    for (const caller of [t.admin, t.user, t.viewer]) {
      expect(
        codesOf(await sg.exec(caller, LEASE_JOBS, { workerId: 'w', types: [type], max: 1, leaseSeconds: 30 })),
      ).toEqual(['FORBIDDEN']);
      expect(codesOf(await sg.exec(caller, HEARTBEAT_JOB, { jobId: job.id, workerId: 'w', leaseSeconds: 30 }))).toEqual(
        ['FORBIDDEN'],
      );
      expect(codesOf(await sg.exec(caller, COMPLETE_JOB, { jobId: job.id, workerId: 'w', result: null }))).toEqual([
        'FORBIDDEN',
      ]);
      expect(codesOf(await sg.exec(caller, FAIL_JOB, { jobId: job.id, workerId: 'w', error: 'x' }))).toEqual([
        'FORBIDDEN',
      ]);
    }
    expect((await jobById(sg, t.user, job.id))?.status).toBe('QUEUED');
  });

  it('refuses an internal credential without internal:jobs.worker (a scheduler) with FORBIDDEN, and changes nothing', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    const refused = await sg.exec(SCHEDULER, LEASE_JOBS, { workerId, types: [type], max: 1, leaseSeconds: 30 });
    expect(codesOf(refused)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors?.[0]?.extensions?.requiredPermissions).toEqual(['internal:jobs.worker']);
    expect((await jobById(sg, t.user, job.id))?.status).toBe('QUEUED');
    await lease(sg, { workerId, types: [type] });
    const before = await jobById(sg, t.user, job.id);
    for (const [op, vars] of [
      [HEARTBEAT_JOB, { jobId: job.id, workerId, leaseSeconds: 600 }],
      [COMPLETE_JOB, { jobId: job.id, workerId, result: null }],
      [FAIL_JOB, { jobId: job.id, workerId, error: 'x' }],
    ] as const)
      expect(codesOf(await sg.exec(SCHEDULER, op, vars))).toEqual(['FORBIDDEN']);
    expect(await jobById(sg, t.user, job.id)).toEqual(before);
  });

  it('refuses anonymous callers (lib hasInternalScope: FORBIDDEN to anyone but an internal credential)', async () => {
    const res = await sg.exec({ kind: 'anonymous' }, LEASE_JOBS, {
      workerId: 'w',
      types: ['a'],
      max: 1,
      leaseSeconds: 30,
    });
    expect(codesOf(res)).toEqual(['FORBIDDEN']);
  });
});

describe('a lease is bound to the credential that took it', () => {
  // Another worker pool (its own credential, the same scope) that knows the job id and the worker
  // id: every lease-holder action is NOT_FOUND, exactly as for a job that does not exist.
  async function leasedByWorker() {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type], leaseSeconds: 60 });
    return { job, workerId, type, before: await jobById(sg, t.user, job.id) };
  }
  const notFound = async (caller: typeof OTHER_WORKER, op: string, vars: Record<string, unknown>) => {
    const res = await sg.exec(caller, op, vars);
    expect(codesOf(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors?.[0]?.message).toBe('Job not found');
  };

  it('heartbeat: refused to another credential, the lease untouched; allowed to the owner', async () => {
    const { job, workerId, before } = await leasedByWorker();
    await notFound(OTHER_WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId, leaseSeconds: 3600 });
    expect(await jobById(sg, t.user, job.id)).toEqual(before);
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'leased']);
    dataOf(await sg.exec(WORKER, HEARTBEAT_JOB, { jobId: job.id, workerId, leaseSeconds: 3600 }));
    expect(await kindsOf(t.tenantId, job.id)).toEqual(['enqueued', 'heartbeat', 'leased']);
  });

  it('complete: refused to another credential, the job still RUNNING; allowed to the owner', async () => {
    const { job, workerId, before } = await leasedByWorker();
    await notFound(OTHER_WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: { stolen: true } });
    expect(await jobById(sg, t.user, job.id)).toEqual(before);
    expect(dataOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: null }))).toEqual({
      completeJob: { job: { id: job.id, status: 'SUCCEEDED' } },
    });
    // Afterwards another credential still learns nothing (not even that it SUCCEEDED); the owner gets CONFLICT.
    await notFound(OTHER_WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: null });
    expect(codesOf(await sg.exec(WORKER, COMPLETE_JOB, { jobId: job.id, workerId, result: null }))).toEqual([
      'CONFLICT',
    ]);
  });

  it('fail: refused to another credential, attempts unchanged; allowed to the owner', async () => {
    const { job, workerId, before } = await leasedByWorker();
    await notFound(OTHER_WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'sabotage', retryable: false });
    expect(await jobById(sg, t.user, job.id)).toEqual(before);
    const res = await sg.exec(WORKER, FAIL_JOB, { jobId: job.id, workerId, error: 'smtp down' });
    expect(dataOf<{ failJob: { job: { status: string } } }>(res).failJob.job.status).toBe('FAILED');
  });

  it('the other credential leases its own jobs and acts on them; the first credential cannot touch those', async () => {
    const { job: mine, type } = await leasedByWorker();
    const other = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    const res = await sg.exec(OTHER_WORKER, LEASE_JOBS, { workerId, types: [type], max: 10, leaseSeconds: 60 });
    // The job WORKER holds is not offered again.
    expect(dataOf<{ leaseJobs: { jobs: LeasedJob[] } }>(res).leaseJobs.jobs.map((j) => j.id)).toEqual([other.id]);
    await notFound(WORKER, HEARTBEAT_JOB, { jobId: other.id, workerId, leaseSeconds: 60 });
    dataOf(await sg.exec(OTHER_WORKER, HEARTBEAT_JOB, { jobId: other.id, workerId, leaseSeconds: 60 }));
    expect((await jobById(sg, t.user, mine.id))?.status).toBe('RUNNING');
  });

  it('records the leasing credential with the lease (column and job event)', async () => {
    const { job } = await leasedByWorker();
    const [row] = await sg.database.run({ tenantId: t.tenantId }, async (tx) => {
      const r = (await tx.execute(sql`select lease_credential from jobs where id = ${job.id}::uuid`)) as unknown as {
        rows: { lease_credential: string }[];
      };
      return r.rows;
    });
    expect(row?.lease_credential).toBe(WORKER.credentialId);
    const events = await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, job.id));
    expect(events.find((e) => e.kind === 'leased')?.detail).toMatchObject({ credential: WORKER.credentialId });
  });
});

describe('concurrency', () => {
  it('20 workers leasing at once never receive the same job', async () => {
    const type = uniqueType();
    const other = tenantFixture();
    // Two tenants' jobs: the queue is platform-wide.
    for (let i = 0; i < 75; i++) {
      await enqueue(sg, t.user, { type, priority: i % 7 });
      await enqueue(sg, other.user, { type, priority: i % 5 });
    }
    const workers = Array.from({ length: 20 }, () => uniqueWorker());
    const results = await Promise.all(workers.map((workerId) => lease(sg, { workerId, types: [type], max: 5 })));
    const ids = results.flat().map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(100);
    results.forEach((r) => expect(r.length).toBeLessThanOrEqual(5));

    // The database agrees: each leased job is RUNNING under exactly the worker it was given to.
    const owners = await sg.database.run({ worker: true }, async (tx) => {
      const res = (await tx.execute(
        sql`select id, worker_id from jobs where type = ${type} and status = 'running'`,
      )) as unknown as { rows: { id: string; worker_id: string }[] };
      return new Map(res.rows.map((r) => [r.id, r.worker_id]));
    });
    expect(owners.size).toBe(100);
    results.forEach((jobs, i) => jobs.forEach((j) => expect(owners.get(j.id)).toBe(workers[i])));
  });

  it('20 workers racing for fewer jobs than they ask for share them without duplicates', async () => {
    const type = uniqueType();
    for (let i = 0; i < 30; i++) await enqueue(sg, t.user, { type });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => lease(sg, { workerId: uniqueWorker(), types: [type], max: 5 })),
    );
    const ids = results.flat().map((j) => j.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(30);
  });
});
