// Mutations of a tenant's users. Each runs in one tenant-scoped transaction; a refusal thrown
// inside it (quota, state conflict) rolls back everything the mutation did.
import type { Tx } from '@eventzr/lib/db';
import { inTenant, requireUser } from '@eventzr/lib/context';
import { badUserInput, conflict, notFound, quotaExceeded, type AppError } from '@eventzr/lib/errors';
import type { JobsContext } from '../context.ts';
import type { JobRow, JobStatus } from '../db/schema.ts';
import type { MutationResolvers } from '../generated/resolvers-types.ts';
import { primeJob } from '../loaders.ts';
import {
  cancelJob,
  deleteDeadLettered,
  deleteDeadLetteredBefore,
  insertJob,
  requeueJobs,
  statusesOf,
  updateQueuedJob,
} from '../repositories/jobs.ts';
import { consumeQuota, planLimitOf, readQuota, setQuotaOverride } from '../repositories/quotas.ts';
import {
  enqueueInput,
  idInput,
  parseInput,
  purgeInput,
  replayInput,
  setQuotaInput,
  updateInput,
} from '../validation.ts';
import { statusName } from './shared.ts';

/** Jobs deleted per purge-by-time call; a client repeats while purgedCount equals it. */
export const PURGE_BATCH = 1000;

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

function primed<T extends JobRow>(ctx: JobsContext, row: T): T {
  primeJob(ctx, row);
  return row;
}

export const Mutation: MutationResolvers = {
  async enqueueJob(_p, args, ctx) {
    const input = parseInput(enqueueInput, args.input);
    const job = await inTenant(ctx, async (tx, user) => {
      if (!(await consumeQuota(tx, user.tenantId, user.planTier))) {
        const q = await readQuota(tx, user.tenantId, user.planTier);
        throw quotaExceeded(`The daily job quota of ${q.limit} is used up; it resets at ${q.resetsAt.toISOString()}`, {
          limit: q.limit,
          used: q.used,
          resetsAt: q.resetsAt.toISOString(),
        });
      }
      return insertJob(tx, {
        tenantId: user.tenantId,
        createdBy: user.userId,
        type: input.type,
        payload: input.payload,
        priority: input.priority,
        runAt: input.runAt,
        maxAttempts: input.maxAttempts,
      });
    });
    ctx.log.info({ jobId: job.id, type: job.type, tenantId: job.tenantId }, 'job enqueued');
    return { job: primed(ctx, job) };
  },

  async updateJob(_p, args, ctx) {
    const { id, ...patch } = parseInput(updateInput, args.input);
    const job = await inTenant(ctx, async (tx, user) => {
      const row = await updateQueuedJob(tx, id.toLowerCase(), patch, user.userId);
      if (row) return row;
      throw await refusal(tx, [id.toLowerCase()], ['queued'], 'changed');
    });
    return { job: primed(ctx, job) };
  },

  async cancelJob(_p, args, ctx) {
    const { id } = parseInput(idInput, args.input);
    const job = await inTenant(ctx, async (tx, user) => {
      const row = await cancelJob(tx, id.toLowerCase(), user.userId);
      if (row) return row;
      throw await refusal(tx, [id.toLowerCase()], ['queued', 'failed'], 'cancelled');
    });
    return { job: primed(ctx, job) };
  },

  async retryJob(_p, args, ctx) {
    const { id } = parseInput(idInput, args.input);
    const job = await inTenant(ctx, async (tx, user) => {
      const allowed: JobStatus[] = ['failed', 'dead_lettered'];
      const [row] = await requeueJobs(tx, [id.toLowerCase()], allowed, 'retried', user.userId);
      if (row) return row;
      throw await refusal(tx, [id.toLowerCase()], allowed, 'retried');
    });
    return { job: primed(ctx, job) };
  },

  async replayDeadLetterJobs(_p, args, ctx) {
    const { ids } = parseInput(replayInput, args.input);
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
    // In the order asked for.
    const byId = new Map(jobs.map((j) => [j.id, primed(ctx, j)]));
    return { jobs: ids.map((id) => byId.get(id)!) };
  },

  async purgeDeadLetterJobs(_p, args, ctx) {
    const input = parseInput(purgeInput, args.input);
    const purgedIds = await inTenant(ctx, async (tx, user) => {
      if (input.finishedBefore) return deleteDeadLetteredBefore(tx, user.tenantId, input.finishedBefore, PURGE_BATCH);
      const ids = input.ids!;
      const deleted = await deleteDeadLettered(tx, ids);
      if (deleted.length === ids.length) return deleted;
      throw await refusal(tx, ids, ['dead_lettered'], 'purged', deleted);
    });
    const user = requireUser(ctx);
    for (const id of purgedIds) ctx.loaders.jobById.clear(id);
    ctx.log.info({ tenantId: user.tenantId, userId: user.userId, purgedIds }, 'dead-lettered jobs purged');
    return { purgedIds, purgedCount: purgedIds.length };
  },

  async setTenantJobQuota(_p, args, ctx) {
    const { dailyLimit } = parseInput(setQuotaInput, args.input);
    const user = requireUser(ctx);
    const planLimit = planLimitOf(user.planTier);
    if (dailyLimit !== null && dailyLimit > planLimit)
      throw badUserInput(`\`dailyLimit\` must be at most the plan's limit of ${planLimit}`, {
        field: 'dailyLimit',
        max: planLimit,
      });
    const quota = await inTenant(ctx, async (tx) => {
      await setQuotaOverride(tx, user.tenantId, dailyLimit, user.userId);
      return readQuota(tx, user.tenantId, user.planTier);
    });
    ctx.loaders.jobQuota.clear(user.tenantId).prime(user.tenantId, quota);
    ctx.log.info({ tenantId: user.tenantId, userId: user.userId, dailyLimit }, 'tenant job quota changed');
    return { quota };
  },
};
