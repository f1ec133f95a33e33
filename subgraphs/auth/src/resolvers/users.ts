// Query.me and the User / Tenant entities, resolved through the request's DataLoaders.
import type { Context } from '@eventzr/lib/context';
import { requireUser } from '@eventzr/lib/context';
import { unauthenticated } from '@eventzr/lib/errors';
import { effectivePermissions, normalizeRoles } from '@eventzr/lib/permissions';
import type { TenantRow, UserRow } from '../db/schema.ts';
import { referenceId, type AuthLoaders } from '../loaders.ts';

type Ctx = Context<AuthLoaders>;
/** A user row, sometimes with its tenant already at hand (registration). */
type UserParent = UserRow & { tenant?: TenantRow };

export const userQueries = {
  me: async (_: unknown, _args: unknown, ctx: Ctx): Promise<UserRow> => {
    const caller = requireUser(ctx);
    const user = await ctx.loaders.user.load(caller.userId);
    // A valid token for an account deleted since it was issued.
    if (!user) throw unauthenticated('The account no longer exists');
    return user;
  },
};

export const User = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.user.load(referenceId(ref.id)),
  roles: (u: UserParent) => normalizeRoles(u.roles),
  permissions: (u: UserParent) => effectivePermissions(u.roles),
  tenant: (u: UserParent, _args: unknown, ctx: Ctx) => u.tenant ?? ctx.loaders.tenant.load(u.tenantId),
};

export const Tenant = {
  __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.tenant.load(referenceId(ref.id)),
};

/** GraphQL enum values (UPPER_CASE) ↔ the lowercase names stored and put in tokens. */
export const Role = { VIEWER: 'viewer', USER: 'user', ORGANIZER: 'organizer', ADMIN: 'admin' };
export const PlanTier = { FREE: 'free', STARTER: 'starter', PROFESSIONAL: 'professional', ENTERPRISE: 'enterprise' };
