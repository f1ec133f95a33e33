// The job queue as a tenant's users use it: enqueue (against the daily quota), change, cancel,
// retry, replay and purge dead letters, and the lists. Each change runs in one tenant-scoped
// transaction; a refusal thrown inside it (quota, state conflict) rolls back everything it did.
import { cursorCodec, paginate, type Connection, type ConnectionArgs, type CursorCodec } from '@eventzr/lib/connection';
import { inTenant, requireUser, type BaseContext } from '@eventzr/lib/context';
import type { Tx } from '@eventzr/lib/db';
import { conflict, notFound, type AppError } from '@eventzr/lib/errors';
import { z } from 'zod';
import type { JobRow, JobStatus } from '../db/schema.ts';
import { isoDateTime, UUID_RE, type EnqueueInput, type PurgeInput, type UpdateInput } from '../inputs.ts';
import {
  cancelJob as cancelQueuedJob,
  countByStatus,
  countJobs,
  deleteDeadLettered,
  deleteDeadLetteredBefore,
  insertJob,
  jobKeyOf,
  listJobs,
  requeueJobs,
  statusesOf,
  updateQueuedJob,
  type JobCounts,
  type JobKey,
  type JobListFilter,
} from '../repositories/jobs.ts';
import { chargeEnqueue } from './quotas.ts';

/** Jobs deleted per purge-by-time call; a client repeats while purgedCount equals it. */
export const PURGE_BATCH = 1000;

export const statusName = (s: JobStatus): string => s.toUpperCase();

// A hand-made cursor may name any timestamp: one Postgres cannot cast must fail here, not in SQL.
const jobKey = z.object({ createdAt: isoDateTime(), id: z.string().regex(UUID_RE) }).strict();

/** Cursors of a job list, bound to the list and to the caller's tenant. */
export const jobCursors = (list: 'jobs' | 'deadLetterJobs', tenantId: string): CursorCodec<JobKey> =>
  cursorCodec(list, tenantId, (k) => jobKey.parse(k));

/**
 * Why a change to `ids` matched fewer jobs than asked: the first missing or misplaced one.
 * `done` are the ids the change did reach (their new state is this transaction's own, about to
 * be rolled back).
 */
async function refusal(
  tx: Tx,
  ids: readonly string[],
  allowed: readonly JobStatus[],
  action: string,
  done: readonly string[] = [],
): Promise<AppError> {
  const pending = ids.filter((id) => !done.includes(id));
  const statuses = await statusesOf(tx, pending);
  for (const id of pending) {
    const status = statuses.get(id);
    if (status === undefined) return ids.length === 1 ? notFound('Job') : notFound(`Job ${id}`);
    if (!allowed.includes(status))
      return conflict(
        `Only a ${allowed.map(statusName).join(' or ')} job can be ${action}; ${
          ids.length === 1 ? 'this one' : `job ${id}`
        } is ${statusName(status)}`,
        { jobId: id, status: statusName(status) },
      );
  }
  return conflict(`The job changed while it was being ${action}; try again`);
}

export async function enqueueJob(ctx: BaseContext, input: EnqueueInput): Promise<JobRow> {
  const job = await inTenant(ctx, async (tx, user) => {
    await chargeEnqueue(tx, user);
    return insertJob(tx, { ...input, tenantId: user.tenantId, createdBy: user.userId });
  });
  ctx.log.info({ jobId: job.id, type: job.type, tenantId: job.tenantId }, 'job enqueued');
  return job;
}

/** Changes a QUEUED job's priority, payload or runAt. */
export function updateJob(ctx: BaseContext, { id, ...patch }: UpdateInput): Promise<JobRow> {
  return inTenant(ctx, async (tx, user) => {
    const row = await updateQueuedJob(tx, id, patch, user.userId);
    if (row) return row;
    throw await refusal(tx, [id], ['queued'], 'changed');
  });
}

export function cancelJob(ctx: BaseContext, id: string): Promise<JobRow> {
  return inTenant(ctx, async (tx, user) => {
    const row = await cancelQueuedJob(tx, id, user.userId);
    if (row) return row;
    throw await refusal(tx, [id], ['queued', 'failed'], 'cancelled');
  });
}

/** Queues a FAILED or DEAD_LETTERED job again at once, with its attempts reset. */
export function retryJob(ctx: BaseContext, id: string): Promise<JobRow> {
  return inTenant(ctx, async (tx, user) => {
    const allowed: JobStatus[] = ['failed', 'dead_lettered'];
    const [row] = await requeueJobs(tx, [id], allowed, 'retried', user.userId);
    if (row) return row;
    throw await refusal(tx, [id], allowed, 'retried');
  });
}

/** Queues dead-lettered jobs again, all or none; returns them in the order asked for. */
export async function replayDeadLetterJobs(ctx: BaseContext, ids: readonly string[]): Promise<JobRow[]> {
  const jobs = await inTenant(ctx, async (tx, user) => {
    const rows = await requeueJobs(tx, ids, ['dead_lettered'], 'replayed', user.userId);
    if (rows.length === ids.length) return rows;
    throw await refusal(
      tx,
      ids,
      ['dead_lettered'],
      'replayed',
      rows.map((r) => r.id),
    );
  });
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return ids.map((id) => byId.get(id)!);
}

/** Deletes dead letters by ids (all or none) or finished before a time (PURGE_BATCH at a time). */
export async function purgeDeadLetterJobs(ctx: BaseContext, input: PurgeInput): Promise<string[]> {
  const user = requireUser(ctx);
  const purgedIds = await inTenant(ctx, async (tx) => {
    if (input.finishedBefore) return deleteDeadLetteredBefore(tx, user.tenantId, input.finishedBefore, PURGE_BATCH);
    const ids = input.ids!;
    const deleted = await deleteDeadLettered(tx, ids);
    if (deleted.length === ids.length) return deleted;
    throw await refusal(tx, ids, ['dead_lettered'], 'purged', deleted);
  });
  ctx.log.info({ tenantId: user.tenantId, userId: user.userId, purgedIds }, 'dead-lettered jobs purged');
  return purgedIds;
}

/** A page of the caller's tenant's jobs, newest first, as a connection. */
export async function jobConnection(
  ctx: BaseContext,
  list: 'jobs' | 'deadLetterJobs',
  args: ConnectionArgs,
  filter: JobListFilter,
): Promise<Connection<JobRow>> {
  const user = requireUser(ctx);
  return paginate(
    args,
    jobCursors(list, user.tenantId),
    jobKeyOf,
    (req) => inTenant(ctx, (tx) => listJobs(tx, user.tenantId, filter, req)),
    () => inTenant(ctx, (tx) => countJobs(tx, user.tenantId, filter)),
  );
}

export function jobCounts(ctx: BaseContext): Promise<JobCounts> {
  return inTenant(ctx, (tx, user) => countByStatus(tx, user.tenantId));
}
