// Query resolvers: read the arguments, run a repository in the caller's tenant scope, return.
import { pageFromRows, pageRequest, toConnection, type ConnectionArgs } from '@eventzr/lib/connection';
import { inTenant, requireUser } from '@eventzr/lib/context';
import { badUserInput } from '@eventzr/lib/errors';
import type { JobsContext } from '../context.ts';
import type { JobStatus } from '../db/schema.ts';
import type { QueryResolvers } from '../generated/resolvers-types.ts';
import { loadJob, primeJob } from '../loaders.ts';
import { countByStatus, countJobs, jobKeyOf, listJobs, type JobListFilter } from '../repositories/jobs.ts';
import { countWorkers, listWorkers, type WorkerView } from '../repositories/workers.ts';
import { isUuid, jobFilter, parseInput } from '../validation.ts';
import { ownQuota } from './entities.ts';
import { jobCursors, workerCursors } from './shared.ts';

async function jobConnection(
  ctx: JobsContext,
  list: 'jobs' | 'deadLetterJobs',
  args: ConnectionArgs,
  filter: JobListFilter,
) {
  const user = requireUser(ctx);
  const codec = jobCursors(list, user.tenantId);
  const req = pageRequest(args, codec);
  const rows = await inTenant(ctx, (tx) => listJobs(tx, user.tenantId, filter, req));
  for (const row of rows) primeJob(ctx, row);
  const page = pageFromRows(rows, req.limit, jobKeyOf, codec);
  return toConnection(page, req, jobKeyOf, codec, () => inTenant(ctx, (tx) => countJobs(tx, user.tenantId, filter)));
}

export const Query: QueryResolvers = {
  jobs(_p, args, ctx) {
    const f = parseInput(jobFilter, args.filter);
    return jobConnection(ctx, 'jobs', args, {
      status: (f?.status ?? undefined) as JobStatus | undefined,
      type: f?.type ?? undefined,
    });
  },

  deadLetterJobs(_p, args, ctx) {
    return jobConnection(ctx, 'deadLetterJobs', args, { status: 'dead_lettered' });
  },

  job(_p, args, ctx) {
    if (!isUuid(args.id)) throw badUserInput('`id` is not a valid job id', { field: 'id' });
    return loadJob(ctx, args.id);
  },

  async jobMetrics(_p, _args, ctx) {
    const c = await inTenant(ctx, (tx, user) => countByStatus(tx, user.tenantId));
    return {
      queued: c.queued,
      running: c.running,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      deadLettered: c.dead_lettered,
    };
  },

  async jobQuota(_p, _args, ctx) {
    return ownQuota(ctx, requireUser(ctx).tenantId);
  },

  async workers(_p, args, ctx) {
    const user = requireUser(ctx);
    const codec = workerCursors(user.tenantId);
    const req = pageRequest(args, codec);
    const keyOf = (w: WorkerView) => ({ id: w.id });
    // The registry is platform infrastructure: any tenant scope may read it (see the RLS policy).
    const rows = await inTenant(ctx, (tx) => listWorkers(tx, req));
    const page = pageFromRows(rows, req.limit, keyOf, codec);
    return toConnection(page, req, keyOf, codec, () => inTenant(ctx, (tx) => countWorkers(tx)));
  },
};
