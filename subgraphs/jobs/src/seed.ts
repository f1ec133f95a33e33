// Development seed: a few jobs in every status for each development tenant, so a newcomer's
// first `jobs` query shows something. Fixed ids make it idempotent: a restart inserts nothing.
import type { Database } from '@eventzr/lib/db';
import { DEV_TENANTS, DEV_USERS } from '@eventzr/lib/dev-seed';
import type { jobs } from './db/schema.ts';
import { insertJobsIfAbsent } from './repositories/jobs.ts';
import { registerWorkerIfAbsent } from './repositories/workers.ts';

type NewJobRow = typeof jobs.$inferInsert;

const SEED_WORKER = 'seed-worker-1';
const minutes = (n: number) => new Date(Date.now() + n * 60_000);

/** Seed job ids: 00000000-0000-4000-9000-<tenant><nn>. */
const seedId = (tenant: number, n: number) =>
  `00000000-0000-4000-9000-${String(tenant).padStart(4, '0')}${String(n).padStart(8, '0')}`;

function jobsFor(tenantIndex: number): NewJobRow[] {
  const tenant = DEV_TENANTS[tenantIndex]!;
  const users = DEV_USERS.filter((u) => u.tenantId === tenant.id);
  const admin = users[0]!.id;
  const member = (users[1] ?? users[0]!).id;
  const base = { tenantId: tenant.id };
  const t = tenantIndex + 1;
  const rows: NewJobRow[] = [
    {
      ...base,
      id: seedId(t, 1),
      type: 'email.send',
      status: 'queued',
      priority: 5,
      createdBy: member,
      payload: { to: 'user@example.com', template: 'welcome' },
    },
    {
      ...base,
      id: seedId(t, 2),
      type: 'report.generate',
      status: 'queued',
      priority: 0,
      createdBy: admin,
      payload: { report: 'monthly-sales', format: 'pdf' },
      runAt: minutes(60),
    },
    {
      ...base,
      id: seedId(t, 3),
      type: 'email.send',
      status: 'running',
      priority: 5,
      createdBy: member,
      attempts: 1,
      payload: { to: 'team@example.com', template: 'digest' },
      workerId: SEED_WORKER,
      leaseExpiresAt: minutes(5),
      startedAt: new Date(),
    },
    {
      ...base,
      id: seedId(t, 4),
      type: 'image.resize',
      status: 'succeeded',
      priority: 0,
      createdBy: member,
      attempts: 1,
      payload: { assetId: 'banner.png', width: 1200 },
      result: { url: 'https://cdn.example.com/banner-1200.png' },
      workerId: SEED_WORKER,
      startedAt: new Date(),
      finishedAt: new Date(),
    },
    {
      ...base,
      id: seedId(t, 5),
      type: 'webhook.deliver',
      status: 'failed',
      priority: 1,
      createdBy: admin,
      attempts: 1,
      payload: { url: 'https://hooks.example.com/events', event: 'ticket.sold' },
      workerId: SEED_WORKER,
      lastError: 'HTTP 503 from hooks.example.com',
      runAt: minutes(10),
      startedAt: new Date(),
    },
    {
      ...base,
      id: seedId(t, 6),
      type: 'email.send',
      status: 'cancelled',
      priority: 0,
      createdBy: member,
      payload: { to: 'old@example.com', template: 'reminder' },
      finishedAt: new Date(),
    },
    {
      ...base,
      id: seedId(t, 7),
      type: 'webhook.deliver',
      status: 'dead_lettered',
      priority: 0,
      createdBy: admin,
      attempts: 3,
      payload: { url: 'https://gone.example.com/hook', event: 'order.paid' },
      workerId: SEED_WORKER,
      lastError: 'getaddrinfo ENOTFOUND gone.example.com',
      startedAt: new Date(),
      finishedAt: new Date(),
    },
  ];
  // Spread over the last hour, the first listed the newest, so the list reads in a natural order.
  return rows.map((row, i) => ({ ...row, createdAt: minutes(-5 - i * 7), updatedAt: minutes(-5 - i * 7) }));
}

export async function seedJobs(database: Database): Promise<void> {
  for (let i = 0; i < DEV_TENANTS.length; i++) {
    const tenantId = DEV_TENANTS[i]!.id;
    await database.run({ tenantId }, (tx) => insertJobsIfAbsent(tx, jobsFor(i)));
  }
  await database.run({ worker: true }, (tx) =>
    registerWorkerIfAbsent(tx, SEED_WORKER, 300, ['email.send', 'image.resize', 'webhook.deliver']),
  );
}
