// Daily enqueue quotas: plan limits, the tenant's own cap, QUOTA_EXCEEDED, and the guarantee
// that concurrent enqueues never pass the limit.
import type { TestSubgraph } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAN_DAILY_JOB_LIMITS } from './services/quotas.ts';
import { ENQUEUE_JOB, codesOf, dataOf, enqueue, startJobs, tenantFixture, type Fields } from './test-support.ts';

let sg: TestSubgraph;
beforeAll(async () => {
  sg = await startJobs();
});
afterAll(() => sg?.close());

const QUOTA = `{ jobQuota { limit used remaining planTier planLimit override periodStart resetsAt } }`;
const SET = `mutation ($limit: Int) { setTenantJobQuota(input: { dailyLimit: $limit }) { quota { limit used remaining override } } }`;

const quotaOf = async (caller: ReturnType<typeof tenantFixture>['user']) =>
  dataOf<{ jobQuota: Fields }>(await sg.exec(caller, QUOTA)).jobQuota;

describe('jobQuota', () => {
  it("derives the limit from the plan tier and counts today's enqueues (UTC day)", async () => {
    const t = tenantFixture('starter');
    await enqueue(sg, t.user);
    await enqueue(sg, t.user);
    const q = await quotaOf(t.viewer);
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    expect(q).toEqual({
      limit: PLAN_DAILY_JOB_LIMITS.starter,
      used: 2,
      remaining: PLAN_DAILY_JOB_LIMITS.starter - 2,
      planTier: 'starter',
      planLimit: PLAN_DAILY_JOB_LIMITS.starter,
      override: null,
      periodStart: midnight.toISOString(),
      resetsAt: new Date(midnight.getTime() + 86_400_000).toISOString(),
    });
  });

  it("gives an unknown plan tier the free plan's limit", async () => {
    const t = tenantFixture('platinum-deluxe');
    expect(await quotaOf(t.user)).toMatchObject({ planTier: 'free', limit: PLAN_DAILY_JOB_LIMITS.free });
  });
});

describe('setTenantJobQuota', () => {
  it('sets a cap below the plan, reflected in jobQuota; null removes it', async () => {
    const t = tenantFixture();
    await enqueue(sg, t.user);
    expect(dataOf(await sg.exec(t.admin, SET, { limit: 50 }))).toEqual({
      setTenantJobQuota: { quota: { limit: 50, used: 1, remaining: 49, override: 50 } },
    });
    expect(await quotaOf(t.user)).toMatchObject({ limit: 50, override: 50 });
    expect(dataOf(await sg.exec(t.admin, SET, { limit: null }))).toEqual({
      setTenantJobQuota: { quota: { limit: 10_000, used: 1, remaining: 9_999, override: null } },
    });
  });

  it("refuses a cap above the plan's limit or below zero with BAD_USER_INPUT", async () => {
    const t = tenantFixture('starter');
    const above = await sg.exec(t.admin, SET, { limit: PLAN_DAILY_JOB_LIMITS.starter + 1 });
    expect(codesOf(above)).toEqual(['BAD_USER_INPUT']);
    expect(above.body.errors?.[0]?.extensions).toMatchObject({ max: PLAN_DAILY_JOB_LIMITS.starter });
    expect(codesOf(await sg.exec(t.admin, SET, { limit: -1 }))).toEqual(['BAD_USER_INPUT']);
  });

  it("changes only the caller's own tenant", async () => {
    const a = tenantFixture();
    const b = tenantFixture();
    dataOf(await sg.exec(a.admin, SET, { limit: 3 }));
    expect(await quotaOf(b.user)).toMatchObject({ limit: 10_000, override: null });
  });
});

describe('QUOTA_EXCEEDED', () => {
  it('refuses the enqueue past the limit, creating nothing, and says when it resets', async () => {
    const t = tenantFixture();
    dataOf(await sg.exec(t.admin, SET, { limit: 2 }));
    await enqueue(sg, t.user);
    await enqueue(sg, t.user);
    const res = await sg.exec(t.user, ENQUEUE_JOB, { input: { type: 'email.send', payload: {} } });
    expect(codesOf(res)).toEqual(['QUOTA_EXCEEDED']);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ limit: 2, used: 2, resetsAt: expect.any(String) });
    expect(dataOf(await sg.exec(t.user, `{ jobs { totalCount } }`))).toEqual({ jobs: { totalCount: 2 } });
    expect(await quotaOf(t.user)).toMatchObject({ used: 2, remaining: 0 });
  });

  it('refuses every enqueue under a cap of 0, and a cap lowered below usage leaves 0 remaining', async () => {
    const t = tenantFixture();
    await enqueue(sg, t.user);
    await enqueue(sg, t.user);
    dataOf(await sg.exec(t.admin, SET, { limit: 1 }));
    expect(await quotaOf(t.user)).toMatchObject({ limit: 1, used: 2, remaining: 0 });
    dataOf(await sg.exec(t.admin, SET, { limit: 0 }));
    expect(codesOf(await sg.exec(t.user, ENQUEUE_JOB, { input: { type: 'a', payload: {} } }))).toEqual([
      'QUOTA_EXCEEDED',
    ]);
  });

  it('does not count an enqueue that failed validation', async () => {
    const t = tenantFixture();
    dataOf(await sg.exec(t.admin, SET, { limit: 1 }));
    expect(codesOf(await sg.exec(t.user, ENQUEUE_JOB, { input: { type: 'BAD', payload: {} } }))).toEqual([
      'BAD_USER_INPUT',
    ]);
    await enqueue(sg, t.user);
    expect(await quotaOf(t.user)).toMatchObject({ used: 1 });
  });

  it('never lets concurrent enqueues pass the limit', async () => {
    const t = tenantFixture();
    dataOf(await sg.exec(t.admin, SET, { limit: 5 }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sg.exec(i % 2 ? t.user : t.other, ENQUEUE_JOB, { input: { type: 'email.send', payload: { i } } }),
      ),
    );
    const codes = results.map((r) => (r.body.errors ? r.body.errors[0]?.extensions?.code : 'OK'));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(5);
    expect(codes.filter((c) => c === 'QUOTA_EXCEEDED')).toHaveLength(15);
    expect(dataOf(await sg.exec(t.user, `{ jobs { totalCount } }`))).toEqual({ jobs: { totalCount: 5 } });
    expect(await quotaOf(t.user)).toMatchObject({ used: 5, remaining: 0 });
  });
});
