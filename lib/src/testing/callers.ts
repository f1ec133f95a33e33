// Callers as the router vouches for them, for tests of any subgraph: users of a role in a tenant,
// the seed's development users, the platform's internal callers.
import { randomUUID } from 'node:crypto';
import { ANONYMOUS, type InternalCaller, type UserCaller } from '../claims.ts';
import { DEV_TENANTS, DEV_USERS, devUserCaller, type DevUser } from '../dev-seed.ts';
import { effectivePermissions, normalizeRoles } from '../permissions.ts';

export { ANONYMOUS };

/** A user caller; roles default to ['user'], permissions are what the roles grant plus `permissions`. */
export function userCaller(opts: {
  tenantId: string;
  roles?: string[];
  userId?: string;
  email?: string;
  name?: string;
  planTier?: string;
  permissions?: string[];
}): UserCaller {
  const roles = opts.roles ?? ['user'];
  return {
    kind: 'user',
    userId: opts.userId ?? randomUUID(),
    tenantId: opts.tenantId,
    email: opts.email ?? 'someone@example.com',
    name: opts.name ?? 'Someone',
    roles: normalizeRoles(roles),
    permissions: effectivePermissions(roles, opts.permissions ?? []),
    planTier: opts.planTier ?? 'professional',
    issuer: 'test',
  };
}

/**
 * A platform worker or scheduler: an internal credential (`credentialId`, default the service
 * label) holding `scopes` (default none: pass the `internal:*` scopes the fields under test ask).
 */
export const internalCaller = (
  service = 'test-worker',
  opts: { scopes?: string[]; credentialId?: string } = {},
): InternalCaller => ({
  kind: 'internal',
  service,
  credentialId: opts.credentialId ?? service,
  scopes: opts.scopes ?? [],
});

/** A fresh tenant with an admin, two users and a viewer. */
export function tenantFixture(planTier = 'professional') {
  const tenantId = randomUUID();
  return {
    tenantId,
    admin: userCaller({ tenantId, roles: ['admin'], planTier }),
    user: userCaller({ tenantId, roles: ['user'], planTier }),
    other: userCaller({ tenantId, roles: ['user'], planTier }),
    viewer: userCaller({ tenantId, roles: ['viewer'], planTier }),
  };
}

export type DevEmail = DevUser['email'];

/** A development seed user (lib/dev-seed) by email. */
export function devUser(email: DevEmail): DevUser {
  const u = DEV_USERS.find((x) => x.email === email);
  if (!u) throw new Error(`no development user ${email}`);
  return u;
}

/** The caller a valid access token of this seed user stands for. */
export const devCaller = (email: DevEmail, issuer = 'test'): UserCaller => devUserCaller(devUser(email), issuer);

export const [DEV_TENANT_A, DEV_TENANT_B] = DEV_TENANTS;
