// Query resolvers: read the arguments, call the service, return.
import { requireUser } from '@eventzr/lib/context';
import { badUserInput } from '@eventzr/lib/errors';
import type { JobStatus } from '../db/schema.ts';
import type { QueryResolvers } from '../generated/resolvers-types.ts';
import { isUuid, jobFilter, parseInput } from '../inputs.ts';
import { loadJob, loadOwnQuota, primeJob } from '../loaders.ts';
import * as jobs from '../services/jobs.ts';
import { workerConnection } from '../services/workers.ts';

export const Query: QueryResolvers = {
  async jobs(_p, args, ctx) {
    const f = parseInput(jobFilter, args.filter);
    const connection = await jobs.jobConnection(ctx, 'jobs', args, {
      status: (f?.status ?? undefined) as JobStatus | undefined,
      type: f?.type ?? undefined,
    });
    for (const row of connection.nodes) primeJob(ctx, row);
    return connection;
  },

  async deadLetterJobs(_p, args, ctx) {
    const connection = await jobs.jobConnection(ctx, 'deadLetterJobs', args, { status: 'dead_lettered' });
    for (const row of connection.nodes) primeJob(ctx, row);
    return connection;
  },

  job(_p, args, ctx) {
    if (!isUuid(args.id)) throw badUserInput('`id` is not a valid job id', { field: 'id' });
    return loadJob(ctx, args.id);
  },

  async jobMetrics(_p, _args, ctx) {
    const c = await jobs.jobCounts(ctx);
    return {
      queued: c.queued,
      running: c.running,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      deadLettered: c.dead_lettered,
    };
  },

  jobQuota(_p, _args, ctx) {
    return loadOwnQuota(ctx, requireUser(ctx).tenantId);
  },

  workers(_p, args, ctx) {
    return workerConnection(ctx, args);
  },
};
