// Object and entity resolvers: Job (its own entity), Tenant (the auth subgraph's, extended with
// jobQuota here), the User reference, and Worker (an entity of the platform's registry). Who may
// resolve a reference is the permission tree's `entities` rule, applied by lib's server factory.
import type { JobResolvers, TenantResolvers, WorkerResolvers } from '../generated/resolvers-types.ts';
import { loadJob, loadOwnQuota, loadWorker } from '../loaders.ts';

export const Job: JobResolvers = {
  /** Through the request's loader: one statement per batch; another tenant's id resolves to null. */
  __resolveReference: (ref, ctx) => loadJob(ctx, ref.id),
  createdBy(job) {
    return { __typename: 'User', id: job.createdBy };
  },
};

export const Tenant: TenantResolvers = {
  /** The caller's own tenant only: any other id (and any non-user caller) resolves to null, as RLS would. */
  __resolveReference(ref, ctx) {
    return ctx.caller.kind === 'user' &&
      typeof ref.id === 'string' &&
      ref.id.toLowerCase() === ctx.caller.tenantId.toLowerCase()
      ? { id: ctx.caller.tenantId }
      : null;
  },
  jobQuota(tenant, _args, ctx) {
    return loadOwnQuota(ctx, tenant.id);
  },
};

export const Worker: WorkerResolvers = {
  __resolveReference: (ref, ctx) => loadWorker(ctx, ref.id),
};
