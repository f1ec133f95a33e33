// Layer-2 authorization of the jobs subgraph: a rule per root field, per field that needs more
// than its parent's rule, and per entity. lib checks at start (and schema:check in CI) that it
// agrees with the @requiresScopes of schema.graphql.
import { forbidden } from '@eventzr/lib/errors';
import { Permission } from '@eventzr/lib/permissions';
import {
  and,
  federationRules,
  hasPermission,
  hasInternalScope,
  isAuthenticated,
  ownerOrAdmin,
  policy,
  type PermissionTree,
} from '@eventzr/lib/shield';
import type { JobsContext } from './context.ts';
import { loadJob } from './loaders.ts';

const P = Permission;

// ---------------------------------------------------------------- permission rules

export const canCreate = hasPermission(P.JOBS_CREATE);
export const canRead = hasPermission(P.JOBS_READ);
export const canUpdate = hasPermission(P.JOBS_UPDATE);
export const canCancel = hasPermission(P.JOBS_CANCEL);
export const canRetry = hasPermission(P.JOBS_RETRY);
export const canUseDlq = hasPermission(P.JOBS_DLQ);
export const isJobsAdmin = hasPermission(P.JOBS_ADMIN);
/** The worker protocol: an internal credential granted `internal:jobs.worker` (a worker pool's). */
export const WORKER_SCOPE = 'internal:jobs.worker';
export const isJobsWorker = hasInternalScope(WORKER_SCOPE);

// ---------------------------------------------------------------- business policies

type IdInput = { input?: { id?: unknown } | null };
type IdsInput = { input?: { ids?: unknown } | null };

/** The job's creator or a jobs administrator (the job is read through the request's loader). */
export const jobOwnerOrAdmin = ownerOrAdmin<JobsContext, IdInput>(
  'job',
  async (args, ctx) => (await loadJob(ctx, args.input?.id))?.createdBy,
  P.JOBS_ADMIN,
);

/**
 * The creator of every listed job, or a jobs administrator. Reports the first job created by
 * someone else (ownerOrAdmin then refuses); unknown ids pass so the resolver answers NOT_FOUND.
 */
export const jobsOwnerOrAdmin = ownerOrAdmin<JobsContext, IdsInput>(
  'jobs',
  async (args, ctx) => {
    const ids = Array.isArray(args.input?.ids) ? (args.input.ids as unknown[]) : [];
    if (ctx.caller.kind !== 'user') return null;
    const userId = ctx.caller.userId;
    const rows = await Promise.all(ids.slice(0, 100).map((id) => loadJob(ctx, id)));
    return rows.find((r) => r !== null && r.createdBy !== userId)?.createdBy ?? userId;
  },
  P.JOBS_ADMIN,
);

/** Purging by time reaches every user's dead letters: administrators only. */
export const purgeByTimeNeedsAdmin = policy<JobsContext, unknown, { input?: { finishedBefore?: unknown } | null }>(
  'purgeByTimeNeedsAdmin',
  (_p, args, ctx) => {
    if (args.input?.finishedBefore === undefined || args.input.finishedBefore === null) return true;
    return ctx.caller.kind === 'user' && ctx.caller.permissions.includes(P.JOBS_ADMIN)
      ? true
      : forbidden('Purging by time requires the jobs administrator permission', [P.JOBS_ADMIN]);
  },
  { permissions: [P.JOBS_ADMIN] },
);

// ---------------------------------------------------------------- the tree

export const permissions: PermissionTree = {
  Query: {
    ...federationRules,
    jobs: canRead,
    job: canRead,
    deadLetterJobs: canUseDlq,
    jobMetrics: canRead,
    jobQuota: canRead,
    workers: isJobsAdmin,
  },
  Mutation: {
    enqueueJob: canCreate,
    updateJob: and(canUpdate, jobOwnerOrAdmin),
    cancelJob: and(canCancel, jobOwnerOrAdmin),
    retryJob: and(canRetry, jobOwnerOrAdmin),
    replayDeadLetterJobs: and(canUseDlq, jobsOwnerOrAdmin),
    purgeDeadLetterJobs: and(canUseDlq, purgeByTimeNeedsAdmin, jobsOwnerOrAdmin),
    setTenantJobQuota: isJobsAdmin,
    leaseJobs: isJobsWorker,
    heartbeatJob: isJobsWorker,
    completeJob: isJobsWorker,
    failJob: isJobsWorker,
  },
  // Reached through _entities (the auth subgraph's Tenant); the quota is read data like jobQuota.
  Tenant: {
    jobQuota: canRead,
  },
  Job: {
    // A reference to the auth subgraph's User, which resolves it for users:read only (its entity rule).
    createdBy: hasPermission(P.USERS_READ),
  },
  entities: {
    // A job is read data: a reference takes what `job` takes.
    Job: canRead,
    // A key stub of the caller's own tenant (any other resolves to null); its fields have their own rules.
    Tenant: isAuthenticated,
    // The registry is for those who may list it (`workers`: jobs administrators).
    Worker: isJobsAdmin,
  },
};
