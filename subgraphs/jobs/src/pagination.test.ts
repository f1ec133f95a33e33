// Connections: keyset paging both ways, cursors that round-trip and refuse to travel (to another
// list or tenant), argument limits, lazy totalCount, and a statement count independent of page size.
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJobsIfAbsent } from './repositories/jobs.ts';
import { jobCursors } from './services/jobs.ts';
import {
  DEAD_LETTER_JOBS,
  JOBS,
  JOBS_BACKWARD,
  codesOf,
  dataOf,
  lease,
  startJobs,
  tenantFixture,
  uniqueType,
  uniqueWorker,
  type ConnectionShape,
} from './test-support.ts';

let sg: TestSubgraph;
const t = tenantFixture();
const other = tenantFixture();
/** The tenant's job ids, newest first. */
let ids: string[] = [];

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
  jobs(first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
type Page = {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
};
const page = async (vars: Record<string, unknown>, caller = t.user): Promise<Page> =>
  dataOf<{ jobs: Page }>(await sg.exec(caller, PAGE, vars)).jobs;

beforeAll(async () => {
  sg = await startJobs();
  // 120 jobs; several share a creation time so the id tie-breaker is exercised.
  const base = Date.now() - 3600_000;
  const rows = Array.from({ length: 120 }, (_, i) => ({
    id: crypto.randomUUID(),
    tenantId: t.tenantId,
    type: 'email.send',
    createdBy: t.user.userId,
    createdAt: new Date(base + Math.floor(i / 3) * 1000),
    status: i % 10 === 0 ? ('dead_lettered' as const) : ('queued' as const),
    finishedAt: i % 10 === 0 ? new Date(base) : null,
  }));
  await sg.database.run({ tenantId: t.tenantId }, (tx) => insertJobsIfAbsent(tx, rows));
  await sg.database.run({ tenantId: other.tenantId }, (tx) =>
    insertJobsIfAbsent(tx, [{ tenantId: other.tenantId, type: 'email.send', createdBy: other.user.userId }]),
  );
  ids = rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((r) => r.id);
});
afterAll(() => sg?.close());

describe('forward and backward', () => {
  it('walks every job once, newest first, with first/after (default page 20)', async () => {
    const first = await page({});
    expect(first.edges).toHaveLength(20);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p: Page = await page({ first: 50, after });
      seen.push(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids);
  });

  it('walks back from the end with last/before and meets the same order', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const p: Page = await page({ last: 25, before });
      seen.unshift(...p.edges.map((e) => e.node.id));
      expect(p.pageInfo.hasNextPage).toBe(before !== null);
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(seen).toEqual(ids);
  });

  it("round-trips cursors: after an edge's cursor comes the next job; before it, the previous one", async () => {
    const p = await page({ first: 10 });
    const cursor = p.edges[4]!.cursor;
    expect((await page({ first: 2, after: cursor })).edges.map((e) => e.node.id)).toEqual(ids.slice(5, 7));
    expect((await page({ last: 2, before: cursor })).edges.map((e) => e.node.id)).toEqual(ids.slice(2, 4));
    // JobsBackward as the contract writes it.
    const back = dataOf<{ jobs: ConnectionShape }>(
      await sg.exec(t.user, JOBS_BACKWARD, { last: 3, before: cursor }),
    ).jobs;
    expect(back.edges.map((e) => e.node.id)).toEqual(ids.slice(1, 4));
    expect(back.pageInfo).toEqual({ hasPreviousPage: true, startCursor: back.edges[0]!.cursor });
  });

  it('answers first: 0 with an empty page', async () => {
    const p = await page({ first: 0 });
    expect(p.edges).toEqual([]);
    expect(p.pageInfo.hasNextPage).toBe(true);
  });
});

describe('argument and cursor errors', () => {
  it.each([
    ['first over 100', { first: 101 }],
    ['last over 100', { last: 101 }],
    ['a negative first', { first: -1 }],
    ['first and last together', { first: 1, last: 1 }],
    ['after and before together', { after: 'x', before: 'y' }],
    ['a malformed cursor', { first: 1, after: 'not a cursor!' }],
    ['a base64 cursor that is not ours', { first: 1, after: Buffer.from('{"l":"jobs"}').toString('base64url') }],
    [
      'an SQL-ish cursor',
      {
        first: 1,
        after: Buffer.from(`{"l":"jobs","s":"x","k":{"createdAt":"'; drop table jobs; --","id":"1"}}`).toString(
          'base64url',
        ),
      },
    ],
  ])('refuses %s with BAD_USER_INPUT', async (_name, vars) => {
    const res = await sg.exec(t.user, PAGE, vars);
    expect(res.status).toBeLessThan(500);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a cursor of another list (deadLetterJobs, workers) with BAD_USER_INPUT', async () => {
    const dlq = dataOf<{ deadLetterJobs: ConnectionShape }>(
      await sg.exec(t.user, DEAD_LETTER_JOBS, { first: 1 }),
    ).deadLetterJobs;
    expect(dlq.pageInfo.endCursor).toEqual(expect.any(String));
    expect(codesOf(await sg.exec(t.user, PAGE, { first: 1, after: dlq.pageInfo.endCursor }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    const jobsCursor = (await page({ first: 1 })).pageInfo.endCursor;
    expect(codesOf(await sg.exec(t.user, DEAD_LETTER_JOBS, { first: 1, after: jobsCursor }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      codesOf(
        await sg.exec(t.admin, `query ($a: String) { workers(first: 1, after: $a) { totalCount } }`, { a: jobsCursor }),
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses a well-formed cursor whose createdAt Postgres cannot represent with BAD_USER_INPUT', async () => {
    for (const list of ['jobs', 'deadLetterJobs'] as const) {
      // Made exactly as this subgraph makes cursors, for this tenant: only the timestamp is off.
      const cursor = jobCursors(list, t.tenantId).encode({ createdAt: '0000-01-01T00:00:00.000Z', id: ids[0]! });
      const res = await sg.exec(t.user, `query ($a: String) { ${list}(first: 1, after: $a) { totalCount } }`, {
        a: cursor,
      });
      expect(res.status, list).toBeLessThan(500);
      expect(codesOf(res), list).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a cursor issued to another tenant with BAD_USER_INPUT', async () => {
    const cursor = (await page({ first: 1 })).pageInfo.endCursor;
    const res = await sg.exec(other.user, PAGE, { first: 5, after: cursor });
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.data).toBeNull();
  });

  it('refuses an unknown enum value as a GraphQL error, never a 500', async () => {
    const res = await sg.exec(t.user, JOBS, { filter: { status: 'DONE' } });
    expect(res.status).toBeLessThan(500);
    expect(codesOf(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('cost', () => {
  it('runs the count only when totalCount is selected', async () => {
    const without = `{ jobs(first: 5) { edges { node { id } } } }`;
    const withCount = `{ jobs(first: 5) { totalCount edges { node { id } } } }`;
    let before = sg.database.stats.statements;
    dataOf(await sg.exec(t.user, without));
    const plain = sg.database.stats.statements - before;
    before = sg.database.stats.statements;
    const counted = dataOf<{ jobs: { totalCount: number } }>(await sg.exec(t.user, withCount));
    const withTotal = sg.database.stats.statements - before;
    expect(counted.jobs.totalCount).toBe(120);
    expect(withTotal).toBeGreaterThan(plain);
  });

  it('runs the same number of statements for 10 and 100 jobs with createdBy', async () => {
    const measure = async (first: number) => {
      const before = sg.database.stats.statements;
      const res = dataOf<{ jobs: { edges: unknown[] } }>(await sg.exec(t.user, JOBS, { first }));
      expect(res.jobs.edges).toHaveLength(first);
      return sg.database.stats.statements - before;
    };
    expect(await measure(100)).toBe(await measure(10));
  });

  it('resolves many Job references in one statement', async () => {
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id createdBy { id } } } }`;
    const measure = async (n: number) => {
      const before = sg.database.stats.statements;
      const res = dataOf<{ _entities: ({ id: string } | null)[] }>(
        await sg.exec(t.user, q, { r: ids.slice(0, n).map((id) => ({ __typename: 'Job', id })) }),
      );
      expect(res._entities.map((e) => e?.id)).toEqual(ids.slice(0, n));
      return sg.database.stats.statements - before;
    };
    expect(await measure(100)).toBe(await measure(5));
  });

  it('resolves many Worker references in one statement', async () => {
    const workerIds = Array.from({ length: 30 }, () => uniqueWorker());
    for (const workerId of workerIds) await lease(sg, { workerId, types: [uniqueType()], max: 1 });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { id status } } }`;
    const measure = async (n: number) => {
      const before = sg.database.stats.statements;
      const res = dataOf<{ _entities: ({ id: string } | null)[] }>(
        await sg.exec(t.admin, q, { r: workerIds.slice(0, n).map((id) => ({ __typename: 'Worker', id })) }),
      );
      expect(res._entities.map((e) => e?.id)).toEqual(workerIds.slice(0, n));
      return sg.database.stats.statements - before;
    };
    expect(await measure(30)).toBe(await measure(3));
  });
});
