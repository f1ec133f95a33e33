// Object and entity resolvers: Job (its own entity), Tenant (the auth subgraph's, extended with
// jobQuota here) and the User reference.
import { forbidden } from '@eventzr/lib/errors';
import { Permission } from '@eventzr/lib/permissions';
import type { JobRow } from '../db/schema.ts';
import { loadJob, type JobsContext } from '../loaders.ts';

export const Job = {
  /** Through the request's loader: one statement per batch; another tenant's id resolves to null. */
  __resolveReference(ref: { id: string }, ctx: JobsContext) {
    // _entities admits any verified caller; a job is read data, so it takes what `job` takes.
    if (ctx.caller.kind === 'user' && !ctx.caller.permissions.includes(Permission.JOBS_READ))
      throw forbidden(`Missing required permission: ${Permission.JOBS_READ}`, [Permission.JOBS_READ]);
    return loadJob(ctx, ref.id);
  },
  createdBy(job: JobRow) {
    return { __typename: 'User', id: job.createdBy };
  },
};

export const Tenant = {
  /** The caller's own tenant only: any other id (and any non-user caller) resolves to null. */
  __resolveReference(ref: { id: string }, ctx: JobsContext) {
    return ctx.caller.kind === 'user' &&
      typeof ref.id === 'string' &&
      ref.id.toLowerCase() === ctx.caller.tenantId.toLowerCase()
      ? { id: ctx.caller.tenantId }
      : null;
  },
  jobQuota(tenant: { id: string }, _args: unknown, ctx: JobsContext) {
    return ctx.loaders.jobQuota.load(tenant.id);
  },
};
