// Mutations of a tenant's users: read the input, call the service, keep the request's loader in
// step with what changed, return the payload.
import type { JobsContext } from '../context.ts';
import type { JobRow } from '../db/schema.ts';
import type { MutationResolvers } from '../generated/resolvers-types.ts';
import { enqueueInput, idInput, parseInput, purgeInput, replayInput, setQuotaInput, updateInput } from '../inputs.ts';
import { primeJob } from '../loaders.ts';
import * as jobs from '../services/jobs.ts';
import { setTenantJobQuota } from '../services/quotas.ts';

function primed<T extends JobRow>(ctx: JobsContext, row: T): T {
  primeJob(ctx, row);
  return row;
}

export const Mutation: MutationResolvers = {
  async enqueueJob(_p, args, ctx) {
    return { job: primed(ctx, await jobs.enqueueJob(ctx, parseInput(enqueueInput, args.input))) };
  },

  async updateJob(_p, args, ctx) {
    return { job: primed(ctx, await jobs.updateJob(ctx, parseInput(updateInput, args.input))) };
  },

  async cancelJob(_p, args, ctx) {
    return { job: primed(ctx, await jobs.cancelJob(ctx, parseInput(idInput, args.input).id)) };
  },

  async retryJob(_p, args, ctx) {
    return { job: primed(ctx, await jobs.retryJob(ctx, parseInput(idInput, args.input).id)) };
  },

  async replayDeadLetterJobs(_p, args, ctx) {
    const replayed = await jobs.replayDeadLetterJobs(ctx, parseInput(replayInput, args.input).ids);
    return { jobs: replayed.map((j) => primed(ctx, j)) };
  },

  async purgeDeadLetterJobs(_p, args, ctx) {
    const purgedIds = await jobs.purgeDeadLetterJobs(ctx, parseInput(purgeInput, args.input));
    for (const id of purgedIds) ctx.loaders.jobById.clear(id);
    return { purgedIds, purgedCount: purgedIds.length };
  },

  async setTenantJobQuota(_p, args, ctx) {
    const quota = await setTenantJobQuota(ctx, parseInput(setQuotaInput, args.input).dailyLimit);
    ctx.loaders.jobQuota.clear(quota.tenantId).prime(quota.tenantId, quota);
    return { quota };
  },
};
