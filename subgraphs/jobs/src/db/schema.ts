// The jobs subgraph's tables, with their row level security and the application role's grants
// (lib/rls). Timestamps keep millisecond precision (timestamptz(3)) so a keyset cursor, which
// carries a JavaScript Date, names a row's position exactly.
//
// Two scopes exist (lib/db `run`):
//   { tenantId }  a user's request: its own tenant's rows, nothing else;
//   { worker }    the worker protocol (internal callers only, enforced by the server): the queue is
//                 platform-wide, so a worker transaction may read and update jobs of every tenant,
//                 record job events and maintain the worker registry. It may not create or delete
//                 jobs, nor touch quotas.
import { sql } from 'drizzle-orm';
import { JOB_STATUSES, type JobStatus } from './enums.ts';
import {
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  declareSecurity,
  inTenantScope,
  scopePolicy,
  sharedTable,
  tenantIsolation,
  tenantTable,
  workerScope,
} from '@eventzr/lib/rls';

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const jobStatus = pgEnum('job_status', JOB_STATUSES);
export type { JobStatus };

/** The queue. Tenant data: RLS by tenant, plus a worker policy for the platform-wide worker protocol. */
export const jobs = pgTable(
  'jobs',
  {
    // Server-generated: a client never chooses an id, so a global key reveals nothing across tenants.
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    type: text('type').notNull(),
    status: jobStatus('status').notNull().default('queued'),
    priority: integer('priority').notNull().default(0),
    payload: jsonb('payload')
      .notNull()
      .default(sql`'{}'::jsonb`),
    result: jsonb('result'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    lastError: text('last_error'),
    runAt: ts('run_at').notNull().defaultNow(),
    leaseExpiresAt: ts('lease_expires_at'),
    workerId: text('worker_id'),
    /** The internal credential that holds (or last held) the lease: only it may act on the lease. */
    leaseCredential: text('lease_credential'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    // Lets job_events reference (tenant_id, id): an event can only ever name its own tenant's job.
    unique('jobs_tenant_id_id_key').on(t.tenantId, t.id),
    index('jobs_tenant_created_idx').on(t.tenantId, t.createdAt.desc(), t.id.desc()),
    index('jobs_tenant_status_created_idx').on(t.tenantId, t.status, t.createdAt.desc(), t.id.desc()),
    // The ready queue, platform-wide: what leaseJobs scans, in the order it leases.
    index('jobs_ready_idx')
      .on(t.priority.desc(), t.runAt, t.id)
      .where(sql`${t.status} in ('queued', 'failed')`),
    index('jobs_lease_expiry_idx')
      .on(t.leaseExpiresAt)
      .where(sql`${t.status} = 'running'`),
    check('jobs_type_check', sql`${t.type} ~ '^[a-z][a-z0-9_.-]{0,99}$'`),
    check('jobs_priority_check', sql`${t.priority} between -100 and 100`),
    check('jobs_max_attempts_check', sql`${t.maxAttempts} between 1 and 25`),
    check('jobs_attempts_check', sql`${t.attempts} >= 0`),
    check(
      'jobs_lease_check',
      sql`(${t.status} = 'running') = (${t.leaseExpiresAt} is not null and ${t.workerId} is not null)`,
    ),
    tenantIsolation(t.tenantId),
    scopePolicy('jobs_worker_select', 'select', workerScope),
    scopePolicy('jobs_worker_update', 'update', workerScope),
  ],
).enableRLS();
export type JobRow = typeof jobs.$inferSelect;

/** Everything that happened to a job, by whom (user id, worker id or "system"). */
export const jobEvents = pgTable(
  'job_events',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    jobId: uuid('job_id').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    detail: jsonb('detail'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({
      name: 'job_events_job_fk',
      columns: [t.tenantId, t.jobId],
      foreignColumns: [jobs.tenantId, jobs.id],
    }).onDelete('cascade'),
    index('job_events_tenant_job_created_idx').on(t.tenantId, t.jobId, t.createdAt),
    tenantIsolation(t.tenantId),
    // A worker records what it did to a job; the composite foreign key keeps tenant_id the job's own.
    scopePolicy('job_events_worker_insert', 'insert', workerScope),
  ],
).enableRLS();
export type JobEventRow = typeof jobEvents.$inferSelect;

/** Enqueues counted per tenant and UTC day: the row the quota check locks. */
export const jobQuotaUsage = pgTable(
  'job_quota_usage',
  {
    tenantId: uuid('tenant_id').notNull(),
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    used: integer('used').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'job_quota_usage_pkey', columns: [t.tenantId, t.periodStart] }),
    check('job_quota_usage_used_check', sql`${t.used} >= 0`),
    tenantIsolation(t.tenantId),
  ],
).enableRLS();

/** A tenant's own cap on its daily enqueues (below its plan's limit). */
export const tenantJobQuotas = pgTable(
  'tenant_job_quotas',
  {
    tenantId: uuid('tenant_id').primaryKey(),
    dailyLimit: integer('daily_limit').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [check('tenant_job_quotas_daily_limit_check', sql`${t.dailyLimit} >= 0`), tenantIsolation(t.tenantId)],
).enableRLS();

/**
 * Worker registry: platform infrastructure, not tenant data. No table is left open, though: the
 * registry is readable in any scope and writable only by the worker protocol.
 */
export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    types: text('types').array().notNull(),
    leaseSeconds: integer('lease_seconds').notNull(),
    firstSeenAt: ts('first_seen_at').notNull().defaultNow(),
    lastHeartbeatAt: ts('last_heartbeat_at').notNull().defaultNow(),
  },
  (t) => [
    check('workers_id_check', sql`${t.id} ~ '^[A-Za-z0-9._:-]{1,128}$'`),
    scopePolicy('workers_read', 'select', sql`${workerScope} or ${inTenantScope}`),
    scopePolicy('workers_worker_insert', 'insert', workerScope),
    scopePolicy('workers_worker_update', 'update', workerScope),
  ],
).enableRLS();
export type WorkerRow = typeof workers.$inferSelect;

/** What the application role may do: only what the code does, UPDATE only of the columns that change. */
export const security = declareSecurity([
  // DELETE is the DLQ purge (job_events follow by ON DELETE CASCADE, which runs as the table owner).
  tenantTable(jobs, {
    grant: ['select', 'insert', 'delete'],
    update: [
      jobs.status,
      jobs.priority,
      jobs.payload,
      jobs.result,
      jobs.attempts,
      jobs.lastError,
      jobs.runAt,
      jobs.leaseExpiresAt,
      jobs.workerId,
      jobs.leaseCredential,
      jobs.updatedAt,
      jobs.startedAt,
      jobs.finishedAt,
    ],
  }),
  tenantTable(jobEvents, { grant: ['select', 'insert'] }),
  tenantTable(jobQuotaUsage, { grant: ['select', 'insert'], update: [jobQuotaUsage.used] }),
  tenantTable(tenantJobQuotas, {
    grant: ['select', 'insert', 'delete'],
    update: [tenantJobQuotas.dailyLimit, tenantJobQuotas.updatedBy, tenantJobQuotas.updatedAt],
  }),
  sharedTable(workers, {
    why: 'the worker registry is platform infrastructure, shared by every tenant',
    grant: ['select', 'insert'],
    update: [workers.types, workers.leaseSeconds, workers.lastHeartbeatAt],
  }),
]);
