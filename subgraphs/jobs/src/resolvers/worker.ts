// The worker protocol (internal callers only). The queue is platform-wide, so these run in the
// worker scope; every call registers the worker as alive and every job change is recorded in
// job_events by the same statement that makes it.
import type { Tx } from '@eventzr/lib/db';
import { conflict, notFound, type AppError } from '@eventzr/lib/errors';
import type { JobsContext } from '../context.ts';
import type { JobRow } from '../db/schema.ts';
import type { MutationResolvers } from '../generated/resolvers-types.ts';
import {
  completeJob,
  extendLease,
  failJob,
  leaseJobs,
  leaseStateOf,
  reclaimExpiredLeases,
  touchWorker,
} from '../repositories/workers.ts';
import { completeInput, failInput, heartbeatInput, leaseInput, parseInput } from '../validation.ts';
import { requireInternal, statusName } from './shared.ts';

/** Why a worker holds no lease on the job. */
async function noLease(tx: Tx, jobId: string, workerId: string): Promise<AppError> {
  const state = await leaseStateOf(tx, jobId);
  if (!state) return notFound('Job');
  if (state.status !== 'running')
    return conflict(`The job is ${statusName(state.status)}, not RUNNING`, { status: statusName(state.status) });
  if (state.workerId !== workerId) return conflict('The job is leased by another worker');
  return conflict('The lease has expired; the job returns to the queue');
}

/**
 * Runs one lease-holder action in the worker scope. A refusal is returned out of the transaction
 * rather than thrown in it, so the worker's liveness is still recorded.
 */
async function asLeaseHolder(
  ctx: JobsContext,
  jobId: string,
  workerId: string,
  leaseSeconds: number | undefined,
  act: (tx: Tx) => Promise<JobRow | null>,
): Promise<JobRow> {
  requireInternal(ctx);
  const outcome = await ctx.database.run({ worker: true }, async (tx) => {
    await touchWorker(tx, workerId, leaseSeconds === undefined ? {} : { leaseSeconds });
    const job = await act(tx);
    return job ? { job } : { refused: await noLease(tx, jobId, workerId) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.job;
}

export const WorkerMutation: MutationResolvers = {
  async leaseJobs(_p, args, ctx) {
    requireInternal(ctx);
    const input = parseInput(leaseInput, args.input);
    const { jobs, reclaimed } = await ctx.database.run({ worker: true }, async (tx) => {
      await touchWorker(tx, input.workerId, { leaseSeconds: input.leaseSeconds, types: input.types });
      // Expired leases go back first, so this very call can pick them up.
      const reclaimed = await reclaimExpiredLeases(tx);
      return { reclaimed, jobs: await leaseJobs(tx, input) };
    });
    if (jobs.length > 0 || reclaimed.requeued > 0 || reclaimed.deadLettered > 0)
      ctx.log.info(
        { workerId: input.workerId, jobIds: jobs.map((j) => j.id), reclaimed },
        `worker leased ${jobs.length} job(s)`,
      );
    return { jobs };
  },

  async heartbeatJob(_p, args, ctx) {
    requireInternal(ctx);
    const input = parseInput(heartbeatInput, args.input);
    const jobId = input.jobId.toLowerCase();
    const job = await asLeaseHolder(ctx, jobId, input.workerId, input.leaseSeconds, (tx) =>
      extendLease(tx, jobId, input.workerId, input.leaseSeconds),
    );
    return { job };
  },

  async completeJob(_p, args, ctx) {
    requireInternal(ctx);
    const input = parseInput(completeInput, args.input);
    const jobId = input.jobId.toLowerCase();
    const job = await asLeaseHolder(ctx, jobId, input.workerId, undefined, (tx) =>
      completeJob(tx, jobId, input.workerId, input.result),
    );
    ctx.log.info({ jobId, tenantId: job.tenantId, workerId: input.workerId }, 'job completed');
    return { job };
  },

  async failJob(_p, args, ctx) {
    requireInternal(ctx);
    const input = parseInput(failInput, args.input);
    const jobId = input.jobId.toLowerCase();
    const job = await asLeaseHolder(ctx, jobId, input.workerId, undefined, (tx) => failJob(tx, { ...input, jobId }));
    ctx.log.info(
      { jobId, tenantId: job.tenantId, workerId: input.workerId, status: job.status, attempts: job.attempts },
      'job attempt failed',
    );
    return { job };
  },
};
