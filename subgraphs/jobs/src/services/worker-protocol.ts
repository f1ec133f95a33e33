// The worker protocol (internal callers only). The queue is platform-wide, so these run in the
// worker scope; every call registers the worker as alive and every job change is recorded in
// job_events by the same statement that makes it.
import type { InternalCaller } from '@eventzr/lib/claims';
import type { BaseContext } from '@eventzr/lib/context';
import type { Tx } from '@eventzr/lib/db';
import { conflict, forbidden, notFound, type AppError } from '@eventzr/lib/errors';
import type { JobRow } from '../db/schema.ts';
import { WORKER_SCOPE } from '../permissions.ts';
import type { CompleteInput, FailInput, HeartbeatInput, LeaseInput } from '../inputs.ts';
import {
  completeJob as completeLeasedJob,
  extendLease,
  failJob as failLeasedJob,
  leaseJobs as leaseQueuedJobs,
  leaseStateOf,
  reclaimExpiredLeases,
  touchWorker,
  type LeaseHolder,
} from '../repositories/workers.ts';
import { statusName } from './jobs.ts';

/**
 * Defence in depth, since a worker transaction may touch every tenant's jobs: the permission tree
 * already admits internal credentials holding the worker scope only, and the service checks again.
 */
function requireWorker(ctx: BaseContext): InternalCaller {
  if (ctx.caller.kind !== 'internal') throw forbidden('Internal callers only');
  if (!ctx.caller.scopes.includes(WORKER_SCOPE)) throw forbidden(`Missing required scope: ${WORKER_SCOPE}`);
  return ctx.caller;
}

/**
 * Why a worker holds no lease on the job. A job whose lease (current or last) another credential
 * took is NOT_FOUND, exactly like a job that does not exist: another worker pool learns nothing
 * about it (whether it exists, its status, who holds it), whatever job and worker ids it knows.
 */
async function noLease(tx: Tx, jobId: string, by: LeaseHolder): Promise<AppError> {
  const state = await leaseStateOf(tx, jobId);
  if (!state || state.leaseCredential !== by.credentialId) return notFound('Job');
  if (state.status !== 'running')
    return conflict(`The job is ${statusName(state.status)}, not RUNNING`, { status: statusName(state.status) });
  if (state.workerId !== by.workerId) return conflict('The job is leased by another worker');
  return conflict('The lease has expired; the job returns to the queue');
}

/**
 * Runs one lease-holder action in the worker scope. A refusal is returned out of the transaction
 * rather than thrown in it, so the worker's liveness is still recorded.
 */
async function asLeaseHolder(
  ctx: BaseContext,
  jobId: string,
  workerId: string,
  leaseSeconds: number | undefined,
  act: (tx: Tx, by: LeaseHolder) => Promise<JobRow | null>,
): Promise<JobRow> {
  const by: LeaseHolder = { workerId, credentialId: requireWorker(ctx).credentialId };
  const outcome = await ctx.database.run({ worker: true }, async (tx) => {
    await touchWorker(tx, workerId, leaseSeconds === undefined ? {} : { leaseSeconds });
    const job = await act(tx, by);
    return job ? { job } : { refused: await noLease(tx, jobId, by) };
  });
  if ('refused' in outcome) throw outcome.refused;
  return outcome.job;
}

/** Leases up to `max` ready jobs of the given types, after returning expired leases to the queue. */
export async function leaseJobs(ctx: BaseContext, input: LeaseInput): Promise<JobRow[]> {
  const { credentialId } = requireWorker(ctx);
  const { jobs, reclaimed } = await ctx.database.run({ worker: true }, async (tx) => {
    await touchWorker(tx, input.workerId, { leaseSeconds: input.leaseSeconds, types: input.types });
    // Expired leases go back first, so this very call can pick them up.
    const reclaimed = await reclaimExpiredLeases(tx);
    return { reclaimed, jobs: await leaseQueuedJobs(tx, { ...input, credentialId }) };
  });
  if (jobs.length > 0 || reclaimed.requeued > 0 || reclaimed.deadLettered > 0)
    ctx.log.info(
      { workerId: input.workerId, credentialId, jobIds: jobs.map((j) => j.id), reclaimed },
      `worker leased ${jobs.length} job(s)`,
    );
  return jobs;
}

export function heartbeatJob(ctx: BaseContext, input: HeartbeatInput): Promise<JobRow> {
  return asLeaseHolder(ctx, input.jobId, input.workerId, input.leaseSeconds, (tx, by) =>
    extendLease(tx, input.jobId, by, input.leaseSeconds),
  );
}

export async function completeJob(ctx: BaseContext, input: CompleteInput): Promise<JobRow> {
  const job = await asLeaseHolder(ctx, input.jobId, input.workerId, undefined, (tx, by) =>
    completeLeasedJob(tx, input.jobId, by, input.result),
  );
  ctx.log.info({ jobId: job.id, tenantId: job.tenantId, workerId: input.workerId }, 'job completed');
  return job;
}

export async function failJob(ctx: BaseContext, input: FailInput): Promise<JobRow> {
  const job = await asLeaseHolder(ctx, input.jobId, input.workerId, undefined, (tx, by) =>
    failLeasedJob(tx, { ...input, ...by }),
  );
  ctx.log.info(
    { jobId: job.id, tenantId: job.tenantId, workerId: input.workerId, status: job.status, attempts: job.attempts },
    'job attempt failed',
  );
  return job;
}
