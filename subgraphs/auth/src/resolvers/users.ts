// Query.me and the User / Tenant entities, resolved through the request's DataLoaders.
import { requireUser } from '@eventzr/lib/context';
import { unauthenticated } from '@eventzr/lib/errors';
import { effectivePermissions, normalizeRoles } from '@eventzr/lib/permissions';
import type {
  PlanTierResolvers,
  QueryResolvers,
  RoleResolvers,
  TenantResolvers,
  UserResolvers,
} from '../generated/resolvers-types.ts';
import { referenceId } from '../loaders.ts';

export const userQueries: QueryResolvers = {
  me: async (_, _args, ctx) => {
    const caller = requireUser(ctx);
    const user = await ctx.loaders.user.load(caller.userId);
    // A valid token for an account deleted since it was issued.
    if (!user) throw unauthenticated('The account no longer exists');
    return user;
  },
};

export const User: UserResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.user.load(referenceId(ref.id)),
  roles: (u) => normalizeRoles(u.roles),
  permissions: (u) => effectivePermissions(u.roles),
  tenant: async (u, _args, ctx) => {
    const tenant = u.tenant ?? (await ctx.loaders.tenant.load(u.tenantId));
    // Unreachable: RLS shows a user only in their own tenant's scope, where that tenant is visible.
    if (!tenant) throw new Error(`Tenant ${u.tenantId} of user ${u.id} is not visible`);
    return tenant;
  },
};

export const Tenant: TenantResolvers = {
  __resolveReference: (ref, ctx) => ctx.loaders.tenant.load(referenceId(ref.id)),
};

/** GraphQL enum values (UPPER_CASE) ↔ the lowercase names stored and put in tokens. */
export const Role: RoleResolvers = { VIEWER: 'viewer', USER: 'user', ORGANIZER: 'organizer', ADMIN: 'admin' };
export const PlanTier: PlanTierResolvers = {
  FREE: 'free',
  STARTER: 'starter',
  PROFESSIONAL: 'professional',
  ENTERPRISE: 'enterprise',
};
