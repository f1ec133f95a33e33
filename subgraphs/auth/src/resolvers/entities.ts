// The User and Tenant entities (other subgraphs reach them by reference), resolved through the
// request's DataLoaders, and the enums' stored values.
import { effectivePermissions, normalizeRoles, ROLES } from '@eventzr/lib/permissions';
import { enumValues } from '@eventzr/lib/scalars';
import { PLAN_TIERS } from '../db/enums.ts';
import type { PlanTierResolvers, RoleResolvers, TenantResolvers, UserResolvers } from '../generated/resolvers-types.ts';
import { referenceId } from '../loaders.ts';

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
export const Role: RoleResolvers = enumValues(ROLES);
export const PlanTier: PlanTierResolvers = enumValues(PLAN_TIERS);
