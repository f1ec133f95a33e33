// The jobs aggregate as a tenant sees it: every statement here runs in a tenant-scoped
// transaction, so Row Level Security confines it to the caller's tenant whatever it selects.
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import type { PageRequest } from '@eventzr/lib/connection';
import { jobEvents, jobs, type JobRow, type JobStatus } from '../db/schema.ts';
import { jobFromRaw, jsonb, rawRows, updateJobsRecorded, uuidList } from './rows.ts';

/** Position of a job in a newest-first list. */
export interface JobKey {
  createdAt: string;
  id: string;
}
export const jobKeyOf = (row: JobRow): JobKey => ({ createdAt: row.createdAt.toISOString(), id: row.id });

export interface JobListFilter {
  status?: JobStatus | undefined;
  type?: string | undefined;
}

export interface NewJob {
  tenantId: string;
  type: string;
  payload: unknown;
  priority: number;
  runAt: Date | null;
  maxAttempts: number;
  createdBy: string;
}

/** Inserts a QUEUED job and its `enqueued` event in one statement. */
export async function insertJob(tx: Tx, job: NewJob): Promise<JobRow> {
  const rows = await rawRows(
    tx,
    sql`with created as (
          insert into jobs (tenant_id, type, payload, priority, run_at, max_attempts, created_by)
          values (${job.tenantId}::uuid, ${job.type}, ${jsonb(job.payload)}, ${job.priority}::int,
                  ${job.runAt ? sql`greatest(${job.runAt.toISOString()}::timestamptz, now())` : sql`now()`},
                  ${job.maxAttempts}::int, ${job.createdBy})
          returning *
        ), recorded as (
          insert into job_events (tenant_id, job_id, kind, actor, detail)
          select tenant_id, id, 'enqueued', created_by,
                 jsonb_build_object('type', type, 'priority', priority, 'runAt', run_at)
            from created
        )
        select * from created`,
  );
  return jobFromRaw(rows[0]!);
}

export async function findJobsByIds(tx: Tx, ids: readonly string[]): Promise<JobRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(jobs)
    .where(inArray(jobs.id, [...ids]));
}

function filterConditions(tenantId: string, filter: JobListFilter): SQL[] {
  // RLS already confines rows to the tenant; naming it lets the planner use the tenant indexes.
  const conds: SQL[] = [eq(jobs.tenantId, tenantId)];
  if (filter.status) conds.push(eq(jobs.status, filter.status));
  if (filter.type) conds.push(eq(jobs.type, filter.type));
  return conds;
}

/** One page (limit + 1 rows, in scan order) of a newest-first list, keyset on (created_at, id). */
export async function listJobs(
  tx: Tx,
  tenantId: string,
  filter: JobListFilter,
  req: PageRequest<JobKey>,
): Promise<JobRow[]> {
  const conds = filterConditions(tenantId, filter);
  const forward = req.direction === 'forward';
  if (req.cursor) {
    const at = sql`(${req.cursor.createdAt}::timestamptz, ${req.cursor.id}::uuid)`;
    conds.push(forward ? sql`(${jobs.createdAt}, ${jobs.id}) < ${at}` : sql`(${jobs.createdAt}, ${jobs.id}) > ${at}`);
  }
  return tx
    .select()
    .from(jobs)
    .where(and(...conds))
    .orderBy(...(forward ? [desc(jobs.createdAt), desc(jobs.id)] : [asc(jobs.createdAt), asc(jobs.id)]))
    .limit(req.limit + 1);
}

export async function countJobs(tx: Tx, tenantId: string, filter: JobListFilter): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(jobs)
    .where(and(...filterConditions(tenantId, filter)));
  return row?.n ?? 0;
}

export type JobCounts = Record<JobStatus, number>;

export async function countByStatus(tx: Tx, tenantId: string): Promise<JobCounts> {
  const rows = await tx
    .select({ status: jobs.status, n: count() })
    .from(jobs)
    .where(eq(jobs.tenantId, tenantId))
    .groupBy(jobs.status);
  const out: JobCounts = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, dead_lettered: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
}

export interface JobPatch {
  priority?: number | undefined;
  payload?: unknown;
  runAt?: Date | undefined;
}

/** Changes a job only while it is QUEUED (a worker's lease locks the row, so the check is exact). */
export async function updateQueuedJob(tx: Tx, id: string, patch: JobPatch, actor: string): Promise<JobRow | null> {
  const sets: SQL[] = [];
  if (patch.priority !== undefined) sets.push(sql`priority = ${patch.priority}::int`);
  if (patch.payload !== undefined) sets.push(sql`payload = ${jsonb(patch.payload)}`);
  if (patch.runAt !== undefined) sets.push(sql`run_at = greatest(${patch.runAt.toISOString()}::timestamptz, now())`);
  const fields = [
    ...(patch.priority !== undefined ? ['priority'] : []),
    ...(patch.payload !== undefined ? ['payload'] : []),
    ...(patch.runAt !== undefined ? ['runAt'] : []),
  ];
  const [row] = await updateJobsRecorded(tx, {
    set: sql.join(sets, sql`, `),
    where: sql`id = ${id}::uuid and status = 'queued'`,
    kind: 'updated',
    actor,
    detail: sql`jsonb_build_object('fields', ${jsonb(fields)})`,
  });
  return row ?? null;
}

/**
 * QUEUED or FAILED, or RUNNING with an expired lease: its worker can no longer act on it (every
 * worker call needs a live lease), so it is as good as reclaimed, sweeper or not.
 */
export async function cancelJob(tx: Tx, id: string, actor: string): Promise<JobRow | null> {
  const [row] = await updateJobsRecorded(tx, {
    set: sql`status = 'cancelled', lease_expires_at = null, finished_at = now()`,
    where: sql`id = ${id}::uuid
               and (status in ('queued', 'failed') or (status = 'running' and lease_expires_at <= now()))`,
    kind: 'cancelled',
    actor,
  });
  return row ?? null;
}

/** FAILED or DEAD_LETTERED jobs back to the queue, now, with a fresh set of attempts. */
export async function requeueJobs(
  tx: Tx,
  ids: readonly string[],
  from: readonly JobStatus[],
  kind: 'retried' | 'replayed',
  actor: string,
): Promise<JobRow[]> {
  return updateJobsRecorded(tx, {
    set: sql`status = 'queued', attempts = 0, run_at = now(), lease_expires_at = null, finished_at = null`,
    where: sql`id in ${uuidList(ids)} and status in (${sql.join(
      from.map((s) => sql`${s}::job_status`),
      sql`, `,
    )})`,
    kind,
    actor,
    detail: sql`jsonb_build_object('lastError', last_error)`,
  });
}

/** Statuses of the given jobs (those the tenant can see): what a refused change reports. */
export async function statusesOf(tx: Tx, ids: readonly string[]): Promise<Map<string, JobStatus>> {
  const rows = await tx
    .select({ id: jobs.id, status: jobs.status })
    .from(jobs)
    .where(inArray(jobs.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r.status]));
}

export async function deleteDeadLettered(tx: Tx, ids: readonly string[]): Promise<string[]> {
  const rows = await tx
    .delete(jobs)
    .where(and(inArray(jobs.id, [...ids]), eq(jobs.status, 'dead_lettered')))
    .returning({ id: jobs.id });
  return rows.map((r) => r.id);
}

/** At most `limit` dead-lettered jobs that finished before `before`, oldest first. */
export async function deleteDeadLetteredBefore(
  tx: Tx,
  tenantId: string,
  before: Date,
  limit: number,
): Promise<string[]> {
  const rows = await rawRows(
    tx,
    sql`delete from jobs where id in (
          select id from jobs
           where tenant_id = ${tenantId}::uuid and status = 'dead_lettered' and finished_at < ${before.toISOString()}::timestamptz
           order by finished_at, id
           limit ${limit}
           for update
        ) returning id`,
  );
  return rows.map((r) => String(r.id));
}

/** A job's recorded history, oldest first (used by tests and operators' tooling). */
export async function eventsOf(tx: Tx, jobId: string) {
  return tx
    .select()
    .from(jobEvents)
    .where(eq(jobEvents.jobId, jobId))
    .orderBy(asc(jobEvents.createdAt), asc(jobEvents.id));
}

/** Inserts jobs exactly as given, skipping ids that exist (the development seed). */
export async function insertJobsIfAbsent(tx: Tx, rows: (typeof jobs.$inferInsert)[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await tx
    .insert(jobs)
    .values(rows)
    .onConflictDoNothing({ target: jobs.id })
    .returning({ id: jobs.id });
  return inserted.length;
}
