// The lease sweeper against a real database: expired leases go back to the queue (or to the
// dead-letter queue on their last attempt) with no worker calling leaseJobs; live leases stay;
// a failing sweep is logged and retried, never thrown; stop() stops it.
import { subgraph } from '../subgraph.ts';
import { createTestDatabase, type TestSubgraph } from '@eventzr/lib/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventsOf } from '../repositories/jobs.ts';
import { startLeaseSweeper } from './sweeper.ts';
import {
  enqueue,
  expireLeases,
  jobById,
  lease,
  startJobs,
  tenantFixture,
  uniqueType,
  uniqueWorker,
} from '../test-support.ts';

let sg: TestSubgraph;
beforeAll(async () => {
  sg = await startJobs();
});
afterAll(() => sg?.close());

const t = tenantFixture();

/** A real logger whose JSON lines are kept for the assertions. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('startLeaseSweeper', () => {
  it('requeues an expired lease and dead-letters one on its last attempt, without a lease call', async () => {
    const type = uniqueType();
    const retrying = await enqueue(sg, t.user, { type, maxAttempts: 3 });
    const lastTry = await enqueue(sg, t.user, { type, maxAttempts: 1 });
    const live = await enqueue(sg, t.user, { type });
    const workerId = uniqueWorker();
    expect(await lease(sg, { workerId, types: [type], max: 3, leaseSeconds: 600 })).toHaveLength(3);
    await expireLeases(sg, [retrying.id, lastTry.id]);

    const { log, lines } = capturingLogger();
    const stop = startLeaseSweeper(sg.database, { log, intervalMs: 50 });
    try {
      await vi.waitFor(async () => expect((await jobById(sg, t.user, retrying.id))?.status).toBe('QUEUED'), {
        timeout: 5000,
      });
    } finally {
      await stop();
    }
    expect(await jobById(sg, t.user, retrying.id)).toMatchObject({
      status: 'QUEUED',
      leaseExpiresAt: null,
      lastError: `lease expired (worker ${workerId})`,
    });
    expect(await jobById(sg, t.user, lastTry.id)).toMatchObject({ status: 'DEAD_LETTERED', leaseExpiresAt: null });
    expect((await jobById(sg, t.user, live.id))?.status).toBe('RUNNING');
    const kinds = async (id: string) =>
      (await sg.database.run({ tenantId: t.tenantId }, (tx) => eventsOf(tx, id))).map((e) => e.kind);
    expect(await kinds(retrying.id)).toEqual(['enqueued', 'leased', 'lease_expired']);
    expect(await kinds(lastTry.id)).toEqual(['enqueued', 'leased', 'lease_expired_dead_lettered']);
    expect(lines.some((l) => l.msg === 'expired leases reclaimed')).toBe(true);
  });

  it('sweeps no more once stopped', async () => {
    const type = uniqueType();
    const job = await enqueue(sg, t.user, { type });
    await lease(sg, { workerId: uniqueWorker(), types: [type] });
    const { log } = capturingLogger();
    await startLeaseSweeper(sg.database, { log, intervalMs: 20 })();
    await expireLeases(sg, [job.id]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await jobById(sg, t.user, job.id))?.status).toBe('RUNNING');
  });

  it('logs a failing sweep and tries again at the next interval, never throwing', async () => {
    const database = await createTestDatabase('jobs_sweeper', subgraph.migrationsFolder);
    await database.destroy();
    const { log, lines } = capturingLogger();
    const stop = startLeaseSweeper(database, { log, intervalMs: 20 });
    try {
      await vi.waitFor(
        () => expect(lines.filter((l) => l.msg.startsWith('lease sweep failed')).length).toBeGreaterThan(1),
        {
          timeout: 5000,
        },
      );
    } finally {
      await stop();
    }
    expect(lines.every((l) => l.level === 50)).toBe(true);
  });
});
