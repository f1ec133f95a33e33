// Per-request DataLoaders: one SQL statement per batch, however many jobs a request touches
// (permission rules, entity references and resolvers share them).
import type DataLoader from 'dataloader';
import type { BaseContext } from '@eventzr/lib/context';
import { keyedLoader } from '@eventzr/lib/loaders';
import type { JobsContext } from './context.ts';
import type { JobRow } from './db/schema.ts';
import { findJobsByIds } from './repositories/jobs.ts';
import { findWorkersByIds, type WorkerView } from './repositories/workers.ts';
import { isUuid, workerId } from './inputs.ts';
import { readQuota, type QuotaState } from './services/quotas.ts';

export interface JobsLoaders {
  /** Jobs of the caller's tenant by (lower-case) id; null when absent or another tenant's. */
  jobById: DataLoader<string, JobRow | null>;
  /** The caller's own tenant's quota; null for any other tenant id. */
  jobQuota: DataLoader<string, QuotaState | null>;
  /** Registry entries by worker id (platform data, readable in any user's scope); null when unknown. */
  workerById: DataLoader<string, WorkerView | null>;
}

export function createLoaders(ctx: BaseContext): JobsLoaders {
  const user = ctx.caller.kind === 'user' ? ctx.caller : null;
  return {
    jobById: keyedLoader<string, JobRow>(
      async (ids) => {
        // Only a user has a tenant; a malformed id cannot name a job (and must not reach a uuid cast).
        const valid = ids.filter(isUuid);
        if (!user || valid.length === 0) return [];
        return ctx.database.run({ tenantId: user.tenantId }, (tx) => findJobsByIds(tx, valid));
      },
      (row) => row.id,
    ),
    jobQuota: keyedLoader<string, QuotaState>(
      async (tenantIds) => {
        if (!user || !tenantIds.includes(user.tenantId)) return [];
        return [
          await ctx.database.run({ tenantId: user.tenantId }, (tx) => readQuota(tx, user.tenantId, user.planTier)),
        ];
      },
      (q) => q.tenantId,
    ),
    workerById: keyedLoader<string, WorkerView>(
      async (ids) => {
        // An id the registry could never hold (e.g. with NUL, which Postgres text refuses) is absent.
        const valid = ids.filter((id) => workerId.safeParse(id).success);
        if (!user || valid.length === 0) return [];
        return ctx.database.run({ tenantId: user.tenantId }, (tx) => findWorkersByIds(tx, valid));
      },
      (w) => w.id,
    ),
  };
}

/** Loads a job by id as the caller's tenant sees it. */
export function loadJob(ctx: JobsContext, id: unknown): Promise<JobRow | null> {
  if (!isUuid(id)) return Promise.resolve(null);
  return ctx.loaders.jobById.load(id.toLowerCase());
}

/** Loads a registry entry by worker id (the caller's access is the resolver's to check). */
export function loadWorker(ctx: JobsContext, id: unknown): Promise<WorkerView | null> {
  if (typeof id !== 'string') return Promise.resolve(null);
  return ctx.loaders.workerById.load(id);
}

/** The caller's own tenant's quota (the loader holds it for no other tenant). */
export async function loadOwnQuota(ctx: JobsContext, tenantId: string): Promise<QuotaState> {
  const quota = await ctx.loaders.jobQuota.load(tenantId);
  // Unreachable: the callers pass the caller's own tenant id, the one the loader reads.
  if (!quota) throw new Error(`No job quota for tenant ${tenantId} in this request's scope`);
  return quota;
}

/** Replaces a job in the request's cache after a change, so later reads see the new state. */
export function primeJob(ctx: JobsContext, row: JobRow): void {
  ctx.loaders.jobById.clear(row.id).prime(row.id, row);
}
