// The worker protocol's side of the queue: platform-wide, run in the worker scope
// (app.worker = 'on'), which RLS admits to every tenant's jobs for select and update only.
import { asc, count, desc, gt, inArray, lt, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import type { PageRequest } from '@eventzr/lib/connection';
import { workers, type JobRow, type JobStatus } from '../db/schema.ts';
import { jobFromRaw, jsonb, rawRows, textArray, textList, updateJobsRecorded } from './rows.ts';

/** Expired leases reclaimed at most this many per statement (the rest by the next). */
export const RECLAIM_BATCH = 500;
/** A worker is ACTIVE while seen within its lease length plus this grace. */
export const WORKER_GRACE_SECONDS = 30;
/** Registry entry of a worker first seen without a lease call (e.g. after a registry reset). */
const DEFAULT_LEASE_SECONDS = 60;

/**
 * Registers the worker or records that it is alive. `leaseSeconds` and `types` update the
 * registry when given (a lease call gives both; completing or failing a job gives neither).
 */
export async function touchWorker(
  tx: Tx,
  workerId: string,
  opts: { leaseSeconds?: number; types?: readonly string[] } = {},
): Promise<void> {
  const updates = [sql`last_heartbeat_at = now()`];
  if (opts.leaseSeconds !== undefined) updates.push(sql`lease_seconds = excluded.lease_seconds`);
  if (opts.types !== undefined) updates.push(sql`types = excluded.types`);
  await tx.execute(
    sql`insert into workers (id, types, lease_seconds)
        values (${workerId}, ${textArray(opts.types ?? [])}, ${opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS}::int)
        on conflict (id) do update set ${sql.join(updates, sql`, `)}`,
  );
}

/** Adds a worker to the registry unless it is known (the development seed). */
export async function registerWorkerIfAbsent(
  tx: Tx,
  workerId: string,
  leaseSeconds: number,
  types: readonly string[],
): Promise<void> {
  await tx.execute(
    sql`insert into workers (id, types, lease_seconds) values (${workerId}, ${textArray(types)}, ${leaseSeconds}::int)
        on conflict (id) do nothing`,
  );
}

export interface Reclaimed {
  requeued: number;
  deadLettered: number;
}

/**
 * Returns jobs whose lease expired to the queue; one that has used all its attempts is
 * dead-lettered instead. SKIP LOCKED: a lease being completed or extended right now is left to
 * its worker.
 */
export async function reclaimExpiredLeases(tx: Tx): Promise<Reclaimed> {
  const [row] = await rawRows(
    tx,
    sql`with expired as materialized (
          select id, worker_id from jobs
           where status = 'running' and lease_expires_at <= now()
           order by lease_expires_at
           limit ${RECLAIM_BATCH}
           for update skip locked
        ), reclaimed as (
          update jobs j
             set status = case when j.attempts >= j.max_attempts then 'dead_lettered'::job_status
                               else 'queued'::job_status end,
                 lease_expires_at = null,
                 last_error = 'lease expired (worker ' || e.worker_id || ')',
                 finished_at = case when j.attempts >= j.max_attempts then now() end,
                 updated_at = now()
            from expired e
           where j.id = e.id
          returning j.id, j.tenant_id, j.status, e.worker_id as previous_worker
        ), recorded as (
          insert into job_events (tenant_id, job_id, kind, actor, detail)
          select tenant_id, id,
                 case when status = 'dead_lettered' then 'lease_expired_dead_lettered' else 'lease_expired' end,
                 'system', jsonb_build_object('workerId', previous_worker)
            from reclaimed
        )
        select count(*) filter (where status = 'queued')::int as requeued,
               count(*) filter (where status = 'dead_lettered')::int as dead_lettered
          from reclaimed`,
  );
  return { requeued: Number(row?.requeued ?? 0), deadLettered: Number(row?.dead_lettered ?? 0) };
}

/**
 * Leases up to `max` ready jobs of `types`: highest priority first, then earliest runAt. FOR
 * UPDATE SKIP LOCKED makes concurrent lessees take disjoint rows (a row another transaction is
 * leasing is skipped, and one it leased no longer matches once re-checked), and the CTE is
 * MATERIALIZED so the locking scan runs exactly once.
 */
export async function leaseJobs(
  tx: Tx,
  input: { workerId: string; credentialId: string; types: readonly string[]; max: number; leaseSeconds: number },
): Promise<JobRow[]> {
  const rows = await rawRows(
    tx,
    sql`with picked as materialized (
          select id from jobs
           where status in ('queued', 'failed') and run_at <= now() and type in ${textList(input.types)}
           order by priority desc, run_at, id
           limit ${input.max}::int
           for update skip locked
        ), leased as (
          update jobs j
             set status = 'running',
                 attempts = j.attempts + 1,
                 worker_id = ${input.workerId},
                 lease_credential = ${input.credentialId},
                 lease_expires_at = now() + ${input.leaseSeconds}::int * interval '1 second',
                 started_at = coalesce(j.started_at, now()),
                 updated_at = now()
            from picked p
           where j.id = p.id
          returning j.*
        ), recorded as (
          insert into job_events (tenant_id, job_id, kind, actor, detail)
          select tenant_id, id, 'leased', worker_id,
                 jsonb_build_object('attempt', attempts, 'leaseExpiresAt', lease_expires_at, 'credential', lease_credential)
            from leased
        )
        select * from leased order by priority desc, run_at, id`,
  );
  return rows.map(jobFromRaw);
}

/** Who acts on a lease: the worker (its self-chosen id) under the internal credential that took the lease. */
export interface LeaseHolder {
  workerId: string;
  credentialId: string;
}

/**
 * The lease condition every later worker call must meet: still running, leased by this credential
 * to this worker, not expired. Knowing a job id and a worker id is not enough.
 */
const heldBy = (jobId: string, by: LeaseHolder) =>
  sql`id = ${jobId}::uuid and status = 'running' and lease_credential = ${by.credentialId}
      and worker_id = ${by.workerId} and lease_expires_at > now()`;

export async function extendLease(
  tx: Tx,
  jobId: string,
  by: LeaseHolder,
  leaseSeconds: number,
): Promise<JobRow | null> {
  const [row] = await updateJobsRecorded(tx, {
    set: sql`lease_expires_at = now() + ${leaseSeconds}::int * interval '1 second'`,
    where: heldBy(jobId, by),
    kind: 'heartbeat',
    actor: by.workerId,
    detail: sql`jsonb_build_object('leaseExpiresAt', lease_expires_at)`,
  });
  return row ?? null;
}

export async function completeJob(tx: Tx, jobId: string, by: LeaseHolder, result: unknown): Promise<JobRow | null> {
  const [row] = await updateJobsRecorded(tx, {
    set: sql`status = 'succeeded', result = ${result === null ? sql`null` : jsonb(result)},
             lease_expires_at = null, finished_at = now()`,
    where: heldBy(jobId, by),
    kind: 'completed',
    actor: by.workerId,
    detail: sql`jsonb_build_object('attempt', attempts)`,
  });
  return row ?? null;
}

/** Backoff before the next attempt: 10 s, 20 s, 40 s … doubling per attempt, at most an hour. */
export const backoffSeconds = (attempts: number): number => Math.min(3600, 5 * 2 ** attempts);

/**
 * Records a failed attempt: FAILED and leasable again after the backoff while attempts remain,
 * else (or when the worker says retrying is pointless) DEAD_LETTERED.
 */
export async function failJob(
  tx: Tx,
  input: { jobId: string; workerId: string; credentialId: string; error: string; retryable: boolean },
): Promise<JobRow | null> {
  const dead = sql`(not ${input.retryable}::boolean or attempts >= max_attempts)`;
  const [row] = await updateJobsRecorded(tx, {
    set: sql`status = case when ${dead} then 'dead_lettered'::job_status else 'failed'::job_status end,
             last_error = ${input.error},
             lease_expires_at = null,
             run_at = case when ${dead} then run_at
                           else now() + least(3600, 5 * power(2, attempts))::int * interval '1 second' end,
             finished_at = case when ${dead} then now() end`,
    where: heldBy(input.jobId, input),
    // Evaluated on the changed row: its new status says which it was.
    kind: sql`case when status = 'dead_lettered' then 'dead_lettered' else 'failed' end`,
    actor: input.workerId,
    detail: sql`jsonb_build_object('attempt', attempts, 'error', ${jsonb(input.error)}, 'retryable', ${input.retryable}::boolean)`,
  });
  return row ?? null;
}

export interface LeaseState {
  status: JobStatus;
  workerId: string | null;
  /** The credential that holds or last held the lease (null: never leased). */
  leaseCredential: string | null;
  leaseLive: boolean;
}

/** Why a worker call found no lease to act on (null: no such job). */
export async function leaseStateOf(tx: Tx, jobId: string): Promise<LeaseState | null> {
  const [row] = await rawRows(
    tx,
    sql`select status, worker_id, lease_credential, coalesce(lease_expires_at > now(), false) as lease_live
          from jobs where id = ${jobId}::uuid`,
  );
  if (!row) return null;
  return {
    status: String(row.status) as JobStatus,
    workerId: row.worker_id === null ? null : String(row.worker_id),
    leaseCredential: row.lease_credential === null ? null : String(row.lease_credential),
    leaseLive: row.lease_live === true,
  };
}

// ---------------------------------------------------------------- registry (read side)

export interface WorkerView {
  id: string;
  status: 'ACTIVE' | 'OFFLINE';
  firstSeenAt: Date;
  lastHeartbeatAt: Date;
}
export interface WorkerKey {
  id: string;
}

const workerStatus = sql<'ACTIVE' | 'OFFLINE'>`case
  when ${workers.lastHeartbeatAt} + (${workers.leaseSeconds} + ${WORKER_GRACE_SECONDS}::int) * interval '1 second' > now()
  then 'ACTIVE' else 'OFFLINE' end`;

const workerView = {
  id: workers.id,
  status: workerStatus,
  firstSeenAt: workers.firstSeenAt,
  lastHeartbeatAt: workers.lastHeartbeatAt,
};

/** The registry entries of `ids` (one statement whatever their number); unknown ids are absent. */
export async function findWorkersByIds(tx: Tx, ids: readonly string[]): Promise<WorkerView[]> {
  if (ids.length === 0) return [];
  return tx
    .select(workerView)
    .from(workers)
    .where(inArray(workers.id, [...ids]));
}

/** Workers by id (a stable order: heartbeats would reshuffle any time-based one between pages). */
export async function listWorkers(tx: Tx, req: PageRequest<WorkerKey>): Promise<WorkerView[]> {
  const forward = req.direction === 'forward';
  const q = tx
    .select(workerView)
    .from(workers)
    .where(req.cursor ? (forward ? gt(workers.id, req.cursor.id) : lt(workers.id, req.cursor.id)) : undefined)
    .orderBy(forward ? asc(workers.id) : desc(workers.id))
    .limit(req.limit + 1);
  return q;
}

export async function countWorkers(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(workers);
  return row?.n ?? 0;
}
