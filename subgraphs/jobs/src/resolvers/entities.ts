// Object and entity resolvers: Job (its own entity), Tenant (the auth subgraph's, extended with
// jobQuota here), the User reference, and Worker (an entity of the platform's registry).
import { Permission } from '@eventzr/lib/permissions';
import { missingPermissions } from '@eventzr/lib/shield';
import type { JobsContext } from '../context.ts';
import type { JobResolvers, TenantResolvers, WorkerResolvers } from '../generated/resolvers-types.ts';
import { loadJob, loadWorker } from '../loaders.ts';
import type { QuotaState } from '../repositories/quotas.ts';

/** _entities admits any verified caller, so a reference checks what the matching Query field's rule checks. */
function requirePermission(ctx: JobsContext, permission: string): void {
  const refusal = ctx.caller.kind === 'user' ? missingPermissions(ctx.caller, [permission]) : undefined;
  if (refusal) throw refusal;
}

export const Job: JobResolvers = {
  /** Through the request's loader: one statement per batch; another tenant's id resolves to null. */
  __resolveReference(ref, ctx) {
    // A job is read data: it takes what `job` takes.
    requirePermission(ctx, Permission.JOBS_READ);
    return loadJob(ctx, ref.id);
  },
  createdBy(job) {
    return { __typename: 'User', id: job.createdBy };
  },
};

/** The caller's own tenant's quota (the loader holds it for no other tenant). */
export async function ownQuota(ctx: JobsContext, tenantId: string): Promise<QuotaState> {
  const quota = await ctx.loaders.jobQuota.load(tenantId);
  // Unreachable: the callers pass the caller's own tenant id, the one the loader reads.
  if (!quota) throw new Error(`No job quota for tenant ${tenantId} in this request's scope`);
  return quota;
}

export const Tenant: TenantResolvers = {
  /** The caller's own tenant only: any other id (and any non-user caller) resolves to null. */
  __resolveReference(ref, ctx) {
    return ctx.caller.kind === 'user' &&
      typeof ref.id === 'string' &&
      ref.id.toLowerCase() === ctx.caller.tenantId.toLowerCase()
      ? { id: ctx.caller.tenantId }
      : null;
  },
  jobQuota(tenant, _args, ctx) {
    return ownQuota(ctx, tenant.id);
  },
};

export const Worker: WorkerResolvers = {
  /**
   * The registry is for those who may list it (`workers`: jobs administrators). Another user is
   * refused as `workers` refuses them; a non-user caller has no scope to read it in and gets null.
   */
  __resolveReference(ref, ctx) {
    requirePermission(ctx, Permission.JOBS_ADMIN);
    return loadWorker(ctx, ref.id);
  },
};
