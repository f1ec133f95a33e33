// The jobs operations of the client contract against the subgraph, and the job lifecycle a
// tenant's users drive: enqueue, read, update, cancel, retry, the dead-letter queue, metrics.
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from './repositories/jobs.ts';
import {
  CANCEL_JOB,
  DEAD_LETTER_JOBS,
  ENQUEUE_JOB,
  FAIL_JOB,
  JOB,
  JOBS,
  JOBS_BACKWARD,
  JOB_METRICS,
  RETRY_JOB,
  UPDATE_JOB,
  WORKER,
  WORKERS,
  codesOf,
  dataOf,
  enqueue,
  expireLeases,
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
beforeAll(async () => {
  sg = await startJobs();
});
afterAll(() => sg?.close());

/** Drives a job of `type` to FAILED (attempts left) or DEAD_LETTERED through the worker protocol. */
async function failOnce(type: string, jobId: string, error = 'boom'): Promise<string> {
  const workerId = uniqueWorker();
  const leased = await lease(sg, { workerId, types: [type] });
  expect(leased.map((j) => j.id)).toContain(jobId);
  const res = await sg.exec(WORKER, FAIL_JOB, { jobId, workerId, error });
  return dataOf<{ failJob: { job: { status: string } } }>(res).failJob.job.status;
}

/** `levels` objects nested in one another around a number. */
function nested(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** JSON values the database cannot store (or would choke on): each must be BAD_USER_INPUT. */
const UNSTORABLE_JSON: [string, unknown][] = [
  ['a string holding U+0000', { s: 'a\u0000b' }],
  ['a key holding U+0000', { ['k\u0000']: 1 }],
  ['a lone high surrogate', { s: 'x\ud800' }],
  ['a lone low surrogate in an array', ['\udc00y']],
  ['a lone surrogate in a key', { ['\udbff']: true }],
  ['nesting deeper than 32 levels', nested(33)],
];

async function deadLettered(caller: ReturnType<typeof tenantFixture>['user']): Promise<string> {
  const type = uniqueType();
  const job = await enqueue(sg, caller, { type, maxAttempts: 1 });
  expect(await failOnce(type, job.id)).toBe('DEAD_LETTERED');
  return job.id;
}

describe('EnqueueJob', () => {
  it('enqueues a QUEUED job and returns what the operation selects', async () => {
    const t = tenantFixture();
    const res = await sg.exec(t.user, ENQUEUE_JOB, {
      input: { type: 'email.send', payload: { to: 'user@example.com', template: 'welcome' }, priority: 5 },
    });
    const job = dataOf<{ enqueueJob: { job: Fields } }>(res).enqueueJob.job;
    expect(job).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'email.send',
      status: 'QUEUED',
      priority: 5,
      payload: { to: 'user@example.com', template: 'welcome' },
      attempts: 0,
      createdAt: expect.any(String),
      createdBy: { __typename: 'User', id: t.user.userId },
    });
    expect(Math.abs(Date.parse(String(job.createdAt)) - Date.now())).toBeLessThan(30_000);
    const full = await jobById(sg, t.user, String(job.id));
    expect(full).toMatchObject({ tenantId: t.tenantId, maxAttempts: 3, lastError: null, result: null, workerId: null });
    const events = await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, String(job.id)));
    expect(events.map((e) => [e.kind, e.actor])).toEqual([['enqueued', t.user.userId]]);
  });

  it('applies defaults: payload {}, priority 0, maxAttempts 3, runAt now', async () => {
    const t = tenantFixture();
    const res = await sg.exec(
      t.user,
      `mutation { enqueueJob(input: { type: "report.generate" }) { job { id payload priority maxAttempts runAt } } }`,
    );
    const job = dataOf<{ enqueueJob: { job: Fields } }>(res).enqueueJob.job;
    expect(job).toMatchObject({ payload: {}, priority: 0, maxAttempts: 3 });
    expect(Math.abs(Date.parse(String(job.runAt)) - Date.now())).toBeLessThan(30_000);
  });

  it('keeps a future runAt and maxAttempts as given', async () => {
    const t = tenantFixture();
    const runAt = new Date(Date.now() + 3600_000);
    runAt.setMilliseconds(0);
    const job = await enqueue(sg, t.user, { runAt: runAt.toISOString(), maxAttempts: 7 });
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ runAt: runAt.toISOString(), maxAttempts: 7 });
  });

  it.each([
    ['a type with capitals', { type: 'Email.Send' }],
    ['an empty type', { type: '' }],
    ['a type of 101 characters', { type: `a${'b'.repeat(100)}` }],
    ['priority above 100', { priority: 101 }],
    ['priority below -100', { priority: -101 }],
    ['maxAttempts 0', { maxAttempts: 0 }],
    ['maxAttempts 26', { maxAttempts: 26 }],
    ['runAt more than a year ahead', { runAt: new Date(Date.now() + 400 * 24 * 3600_000).toISOString() }],
    ['a payload over 64 KiB', { payload: { blob: 'x'.repeat(64 * 1024) } }],
    ...UNSTORABLE_JSON.map(([name, payload]): [string, Record<string, unknown>] => [
      `a payload with ${name}`,
      { payload },
    ]),
    // Postgres has no year 0 and no year 10000.
    ['runAt in year 0000', { runAt: '0000-06-01T00:00:00Z' }],
    ['runAt that is year 0 in UTC', { runAt: '0001-01-01T00:30:00+01:00' }],
  ])('refuses %s with BAD_USER_INPUT', async (_name, input) => {
    const t = tenantFixture();
    const res = await sg.exec(t.user, ENQUEUE_JOB, { input: { type: 'email.send', payload: {}, ...input } });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors?.[0]?.message).not.toMatch(/sql|postgres|select|insert/i);
    const list = await sg.exec(t.user, `{ jobs { totalCount } }`);
    expect(dataOf(list)).toEqual({ jobs: { totalCount: 0 } });
  });

  it('accepts a payload nested 32 levels deep and well-formed surrogate pairs', async () => {
    const t = tenantFixture();
    const payload = { deep: nested(31), emoji: '😀 ok', ['🔑']: ['é\u0001'] };
    const job = await enqueue(sg, t.user, { payload });
    expect((await jobById(sg, t.user, job.id))?.payload).toEqual(payload);
  });

  it('refuses a malformed runAt and a missing type as GraphQL input errors', async () => {
    const t = tenantFixture();
    const bad = await sg.exec(t.user, ENQUEUE_JOB, { input: { type: 'a', runAt: 'tomorrow' } });
    expect(bad.status).toBeLessThan(500);
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
    const missing = await sg.exec(t.user, ENQUEUE_JOB, { input: { payload: {} } });
    expect(missing.status).toBeLessThan(500);
    expect(codesOf(missing)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('Jobs, JobsBackward and Job', () => {
  it('lists newest first with the selected fields, filters by status and type, counts what it lists', async () => {
    const t = tenantFixture();
    const a = await enqueue(sg, t.user, { type: 'email.send' });
    const b = await enqueue(sg, t.user, { type: 'sms.send', priority: 3 });
    const c = await enqueue(sg, t.user, { type: 'email.send' });
    dataOf(await sg.exec(t.user, CANCEL_JOB, { id: c.id }));

    const all = dataOf<{ jobs: ConnectionShape }>(await sg.exec(t.user, JOBS, { first: 10 })).jobs;
    expect(all.totalCount).toBe(3);
    expect(all.edges.map((e) => e.node.id)).toEqual([c.id, b.id, a.id]);
    expect(all.edges[1]).toEqual({
      cursor: expect.any(String),
      node: {
        id: b.id,
        type: 'sms.send',
        status: 'QUEUED',
        priority: 3,
        attempts: 0,
        createdAt: b.createdAt,
        createdBy: { __typename: 'User', id: t.user.userId },
      },
    });
    expect(all.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: all.edges[0]!.cursor,
      endCursor: all.edges[2]!.cursor,
    });

    const queuedEmail = dataOf<{ jobs: ConnectionShape }>(
      await sg.exec(t.user, JOBS, { first: 10, filter: { status: 'QUEUED', type: 'email.send' } }),
    ).jobs;
    expect(queuedEmail.totalCount).toBe(1);
    expect(queuedEmail.edges.map((e) => e.node.id)).toEqual([a.id]);
    const cancelled = dataOf<{ jobs: ConnectionShape }>(
      await sg.exec(t.user, JOBS, { filter: { status: 'CANCELLED' } }),
    ).jobs;
    expect(cancelled.edges.map((e) => e.node.id)).toEqual([c.id]);

    const back = dataOf<{ jobs: ConnectionShape }>(await sg.exec(t.user, JOBS_BACKWARD, { last: 2 })).jobs;
    expect(back.edges.map((e) => e.node.id)).toEqual([b.id, a.id]);
    expect(back.pageInfo).toEqual({ hasPreviousPage: true, startCursor: back.edges[0]!.cursor });
  });

  it('Job returns every selected field; an unknown id is null; a malformed id is BAD_USER_INPUT', async () => {
    const t = tenantFixture();
    const job = await enqueue(sg, t.user, { payload: { k: [1, 2] }, priority: -3, maxAttempts: 4 });
    const res = await sg.exec(t.user, JOB, { id: job.id });
    expect(dataOf(res)).toEqual({
      job: {
        id: job.id,
        type: 'email.send',
        status: 'QUEUED',
        priority: -3,
        payload: { k: [1, 2] },
        attempts: 0,
        maxAttempts: 4,
        lastError: null,
        createdAt: job.createdAt,
        updatedAt: expect.any(String),
      },
    });
    expect(dataOf(await sg.exec(t.user, JOB, { id: crypto.randomUUID() }))).toEqual({ job: null });
    const bad = await sg.exec(t.user, JOB, { id: "1' or '1'='1" });
    expect(codesOf(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an unknown filter type pattern with BAD_USER_INPUT and an unknown status as a GraphQL error', async () => {
    const t = tenantFixture();
    expect(codesOf(await sg.exec(t.user, JOBS, { filter: { type: 'NOPE!' } }))).toEqual(['BAD_USER_INPUT']);
    const res = await sg.exec(t.user, JOBS, { filter: { status: 'EXPLODED' } });
    expect(res.status).toBeLessThan(500);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    const literal = await sg.exec(t.user, `{ jobs(filter: { status: EXPLODED }) { totalCount } }`);
    expect(literal.status).toBeLessThan(500);
    expect(codesOf(literal)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('UpdateJob', () => {
  it('changes a QUEUED job and returns what the operation selects', async () => {
    const t = tenantFixture();
    const job = await enqueue(sg, t.user, { priority: 1, payload: { v: 1 } });
    const res = await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, priority: 9, payload: { v: 2 } } });
    expect(dataOf(res)).toEqual({ updateJob: { job: { id: job.id, priority: 9, payload: { v: 2 } } } });
    const runAt = new Date(Date.now() + 600_000);
    runAt.setMilliseconds(0);
    dataOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, runAt: runAt.toISOString() } }));
    expect(await jobById(sg, t.user, job.id)).toMatchObject({
      priority: 9,
      payload: { v: 2 },
      runAt: runAt.toISOString(),
    });
  });

  it('is CONFLICT unless QUEUED, NOT_FOUND for an unknown job, BAD_USER_INPUT without changes or out of range', async () => {
    const t = tenantFixture();
    const job = await enqueue(sg, t.user);
    expect(codesOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id } }))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, priority: 500 } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      codesOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, payload: { big: 'y'.repeat(70_000) } } })),
    ).toEqual(['BAD_USER_INPUT']);
    dataOf(await sg.exec(t.user, CANCEL_JOB, { id: job.id }));
    const res = await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, priority: 2 } });
    expect(codesOf(res)).toEqual(['CONFLICT']);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ status: 'CANCELLED' });
    expect(codesOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: crypto.randomUUID(), priority: 2 } }))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('is CONFLICT for a RUNNING job', async () => {
    const t = tenantFixture();
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    await lease(sg, { workerId: uniqueWorker(), types: [type] });
    expect(codesOf(await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, priority: 2 } }))).toEqual(['CONFLICT']);
  });

  it.each([
    ...UNSTORABLE_JSON.map(([name, payload]): [string, Record<string, unknown>] => [
      `a payload with ${name}`,
      { payload },
    ]),
    ['runAt in year 0000', { runAt: '0000-06-01T00:00:00Z' }],
  ])('refuses %s with BAD_USER_INPUT and changes nothing', async (_name, patch) => {
    const t = tenantFixture();
    const job = await enqueue(sg, t.user, { payload: { v: 1 } });
    const res = await sg.exec(t.user, UPDATE_JOB, { input: { id: job.id, ...patch } });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ payload: { v: 1 }, status: 'QUEUED' });
    const events = await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, job.id));
    expect(events.map((e) => e.kind)).toEqual(['enqueued']);
  });
});

describe('CancelJob', () => {
  it('cancels QUEUED and FAILED jobs and returns what the operation selects', async () => {
    const t = tenantFixture();
    const queued = await enqueue(sg, t.user);
    expect(dataOf(await sg.exec(t.user, CANCEL_JOB, { id: queued.id }))).toEqual({
      cancelJob: { job: { id: queued.id, status: 'CANCELLED' } },
    });
    const type = uniqueType();
    const failing = await enqueue(sg, t.user, { type });
    expect(await failOnce(type, failing.id)).toBe('FAILED');
    expect(dataOf(await sg.exec(t.user, CANCEL_JOB, { id: failing.id }))).toEqual({
      cancelJob: { job: { id: failing.id, status: 'CANCELLED' } },
    });
    // A cancelled job is never leased, even once its backoff has passed.
    expect(await lease(sg, { workerId: uniqueWorker(), types: [type] })).toEqual([]);
  });

  it('is CONFLICT for RUNNING, SUCCEEDED and CANCELLED jobs', async () => {
    const t = tenantFixture();
    const type = uniqueType();
    const running = await enqueue(sg, t.user, { type });
    const done = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type], max: 2 });
    dataOf(
      await sg.exec(
        WORKER,
        `mutation ($id: ID!, $w: ID!) { completeJob(input: { jobId: $id, workerId: $w }) { job { id } } }`,
        { id: done.id, w: workerId },
      ),
    );
    expect(codesOf(await sg.exec(t.user, CANCEL_JOB, { id: running.id }))).toEqual(['CONFLICT']);
    expect(codesOf(await sg.exec(t.user, CANCEL_JOB, { id: done.id }))).toEqual(['CONFLICT']);
    const q = await enqueue(sg, t.user);
    dataOf(await sg.exec(t.user, CANCEL_JOB, { id: q.id }));
    expect(codesOf(await sg.exec(t.user, CANCEL_JOB, { id: q.id }))).toEqual(['CONFLICT']);
    expect((await jobById(sg, t.user, running.id))?.status).toBe('RUNNING');
  });

  it('cancels a RUNNING job whose lease has expired; its old worker can no longer complete it', async () => {
    const t = tenantFixture();
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [type] });
    await expireLeases(sg, [job.id]);
    expect(dataOf(await sg.exec(t.user, CANCEL_JOB, { id: job.id }))).toEqual({
      cancelJob: { job: { id: job.id, status: 'CANCELLED' } },
    });
    expect(await jobById(sg, t.user, job.id)).toMatchObject({ status: 'CANCELLED', leaseExpiresAt: null });
    const late = await sg.exec(
      WORKER,
      `mutation ($id: ID!, $w: ID!) { completeJob(input: { jobId: $id, workerId: $w }) { job { id } } }`,
      { id: job.id, w: workerId },
    );
    expect(codesOf(late)).toEqual(['CONFLICT']);
    expect(await lease(sg, { workerId, types: [type] })).toEqual([]);
  });
});

describe('RetryJob', () => {
  it('queues FAILED and DEAD_LETTERED jobs again with fresh attempts', async () => {
    const t = tenantFixture();
    const type = uniqueType();
    const failed = await enqueue(sg, t.user, { type });
    expect(await failOnce(type, failed.id)).toBe('FAILED');
    expect(dataOf(await sg.exec(t.user, RETRY_JOB, { id: failed.id }))).toEqual({
      retryJob: { job: { id: failed.id, status: 'QUEUED', attempts: 0 } },
    });
    // Retried now: no backoff left to wait for.
    expect((await lease(sg, { workerId: uniqueWorker(), types: [type] })).map((j) => j.id)).toEqual([failed.id]);

    const dead = await deadLettered(t.user);
    expect(dataOf(await sg.exec(t.user, RETRY_JOB, { id: dead }))).toEqual({
      retryJob: { job: { id: dead, status: 'QUEUED', attempts: 0 } },
    });
    expect(await jobById(sg, t.user, dead)).toMatchObject({ lastError: 'boom', finishedAt: null });
  });

  it('is CONFLICT for QUEUED, RUNNING, SUCCEEDED and CANCELLED jobs; NOT_FOUND for an unknown one', async () => {
    const t = tenantFixture();
    const queued = await enqueue(sg, t.user);
    expect(codesOf(await sg.exec(t.user, RETRY_JOB, { id: queued.id }))).toEqual(['CONFLICT']);
    dataOf(await sg.exec(t.user, CANCEL_JOB, { id: queued.id }));
    expect(codesOf(await sg.exec(t.user, RETRY_JOB, { id: queued.id }))).toEqual(['CONFLICT']);
    const type = uniqueType();
    const running = await enqueue(sg, t.user, { type });
    await lease(sg, { workerId: uniqueWorker(), types: [type] });
    expect(codesOf(await sg.exec(t.user, RETRY_JOB, { id: running.id }))).toEqual(['CONFLICT']);
    expect(codesOf(await sg.exec(t.user, RETRY_JOB, { id: crypto.randomUUID() }))).toEqual(['NOT_FOUND']);
  });
});

describe('the dead-letter queue', () => {
  it('DeadLetterJobs lists only dead-lettered jobs with the selected fields', async () => {
    const t = tenantFixture();
    await enqueue(sg, t.user);
    const d1 = await deadLettered(t.user);
    const d2 = await deadLettered(t.user);
    const res = dataOf<{ deadLetterJobs: ConnectionShape }>(
      await sg.exec(t.user, DEAD_LETTER_JOBS, { first: 1 }),
    ).deadLetterJobs;
    expect(res.edges).toEqual([{ node: { id: d2, type: expect.any(String), lastError: 'boom', attempts: 1 } }]);
    expect(res.pageInfo).toEqual({ hasNextPage: true, endCursor: expect.any(String) });
    const next = dataOf<{ deadLetterJobs: ConnectionShape }>(
      await sg.exec(t.user, DEAD_LETTER_JOBS, { first: 1, after: res.pageInfo.endCursor }),
    ).deadLetterJobs;
    expect(next.edges.map((e) => e.node.id)).toEqual([d1]);
    expect(next.pageInfo.hasNextPage).toBe(false);
  });

  const REPLAY = `mutation ($ids: [ID!]!) { replayDeadLetterJobs(input: { ids: $ids }) { jobs { id status attempts } } }`;
  const PURGE = `mutation ($ids: [ID!], $before: DateTime) {
    purgeDeadLetterJobs(input: { ids: $ids, finishedBefore: $before }) { purgedIds purgedCount } }`;

  it('replays dead-lettered jobs, all or none', async () => {
    const t = tenantFixture();
    const d1 = await deadLettered(t.user);
    const d2 = await deadLettered(t.user);
    const queued = await enqueue(sg, t.user);
    const refused = await sg.exec(t.user, REPLAY, { ids: [d1, queued.id] });
    expect(codesOf(refused)).toEqual(['CONFLICT']);
    expect((await jobById(sg, t.user, d1))?.status).toBe('DEAD_LETTERED');
    expect(codesOf(await sg.exec(t.user, REPLAY, { ids: [d1, crypto.randomUUID()] }))).toEqual(['NOT_FOUND']);
    expect(codesOf(await sg.exec(t.user, REPLAY, { ids: [] }))).toEqual(['BAD_USER_INPUT']);
    expect(
      codesOf(await sg.exec(t.user, REPLAY, { ids: Array.from({ length: 101 }, () => crypto.randomUUID()) })),
    ).toEqual(['BAD_USER_INPUT']);

    const res = await sg.exec(t.user, REPLAY, { ids: [d2, d1] });
    expect(dataOf(res)).toEqual({
      replayDeadLetterJobs: {
        jobs: [
          { id: d2, status: 'QUEUED', attempts: 0 },
          { id: d1, status: 'QUEUED', attempts: 0 },
        ],
      },
    });
    const events = await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, d1));
    expect(events.map((e) => e.kind)).toContain('replayed');
  });

  it('purges dead-lettered jobs by id (all or none) and, for administrators, by time', async () => {
    const t = tenantFixture();
    const d1 = await deadLettered(t.user);
    const d2 = await deadLettered(t.user);
    const d3 = await deadLettered(t.user);
    const queued = await enqueue(sg, t.user);
    expect(codesOf(await sg.exec(t.user, PURGE, { ids: [d1, queued.id] }))).toEqual(['CONFLICT']);
    expect(codesOf(await sg.exec(t.user, PURGE, {}))).toEqual(['BAD_USER_INPUT']);
    // Outside Postgres's years 1..9999 once in UTC.
    for (const before of ['0000-01-01T00:00:00Z', '9999-12-31T23:00:00-05:00'])
      expect(codesOf(await sg.exec(t.admin, PURGE, { before })), before).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await sg.exec(t.admin, PURGE, { ids: [d1], before: new Date().toISOString() }))).toEqual([
      'BAD_USER_INPUT',
    ]);

    expect(dataOf(await sg.exec(t.user, PURGE, { ids: [d1] }))).toEqual({
      purgeDeadLetterJobs: { purgedIds: [d1], purgedCount: 1 },
    });
    expect(await jobById(sg, t.user, d1)).toBeNull();
    // Its history goes with it.
    expect(await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, d1))).toEqual([]);

    const byTime = dataOf<{ purgeDeadLetterJobs: { purgedIds: string[]; purgedCount: number } }>(
      await sg.exec(t.admin, PURGE, { before: new Date(Date.now() + 1000).toISOString() }),
    ).purgeDeadLetterJobs;
    expect(byTime.purgedIds.sort()).toEqual([d2, d3].sort());
    expect(byTime.purgedCount).toBe(2);
    expect((await jobById(sg, t.user, queued.id))?.status).toBe('QUEUED');
  });
});

describe('JobMetrics and Workers', () => {
  it("counts the tenant's jobs by status and reports the quota", async () => {
    const t = tenantFixture();
    const type = uniqueType();
    await enqueue(sg, t.user, { type });
    await enqueue(sg, t.user, { type });
    const c = await enqueue(sg, t.user);
    dataOf(await sg.exec(t.user, CANCEL_JOB, { id: c.id }));
    await lease(sg, { workerId: uniqueWorker(), types: [type], max: 1 });
    await deadLettered(t.user);
    const f = uniqueType();
    const failed = await enqueue(sg, t.user, { type: f });
    await failOnce(f, failed.id);
    const s = uniqueType();
    const done = await enqueue(sg, t.user, { type: s });
    const w = uniqueWorker();
    await lease(sg, { workerId: w, types: [s] });
    dataOf(
      await sg.exec(
        WORKER,
        `mutation ($id: ID!, $w: ID!) { completeJob(input: { jobId: $id, workerId: $w }) { job { id } } }`,
        { id: done.id, w },
      ),
    );

    expect(dataOf(await sg.exec(t.viewer, JOB_METRICS))).toEqual({
      jobMetrics: { queued: 1, running: 1, succeeded: 1, failed: 1, cancelled: 1, deadLettered: 1 },
      jobQuota: { limit: 10_000, used: 6, remaining: 9_994 },
    });
  });

  it('Workers returns what the operation selects, with paging over the registry', async () => {
    const t = tenantFixture();
    const ids = [uniqueWorker(), uniqueWorker(), uniqueWorker()];
    for (const workerId of ids) await lease(sg, { workerId, types: [uniqueType()] });
    const res = dataOf<{ workers: ConnectionShape }>(await sg.exec(t.admin, WORKERS)).workers;
    for (const id of ids) expect(res.edges.map((e) => e.node.id)).toContain(id);
    for (const e of res.edges) expect(Object.keys(e.node).sort()).toEqual(['id', 'lastHeartbeatAt', 'status']);

    const page = `query ($first: Int, $after: String) { workers(first: $first, after: $after) {
      totalCount nodes { id firstSeenAt } pageInfo { hasNextPage endCursor } } }`;
    const first = dataOf<{ workers: ConnectionShape }>(await sg.exec(t.admin, page, { first: 2 })).workers;
    expect(first.nodes).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = dataOf<{ workers: ConnectionShape }>(
      await sg.exec(t.admin, page, { first: 100, after: first.pageInfo.endCursor }),
    ).workers;
    const all = [...first.nodes, ...rest.nodes].map((n) => n.id);
    expect(all).toHaveLength(first.totalCount);
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual(all);
  });

  it('reports a worker not seen for longer than its lease as OFFLINE', async () => {
    const t = tenantFixture();
    const workerId = uniqueWorker();
    await lease(sg, { workerId, types: [uniqueType()], leaseSeconds: 5 });
    const { sql } = await import('drizzle-orm');
    await sg.database.run({ worker: true }, (tx) =>
      tx.execute(sql`update workers set last_heartbeat_at = now() - interval '10 minutes' where id = ${workerId}`),
    );
    const res = dataOf<{ workers: ConnectionShape }>(
      await sg.exec(t.admin, `{ workers(first: 100) { nodes { id status } } }`),
    );
    expect(res.workers.nodes.find((n) => n.id === workerId)).toEqual({ id: workerId, status: 'OFFLINE' });
  });
});
