// The one role → permission table of the platform: the single place to audit who may do what.
// Permissions are `resource:action`. A caller's effective permissions are the union of what its
// roles grant here and the `permissions` claim of its token. The table is written into
// schema/access.json, so the schema check reports a new grant as an authorization change, and
// every permission here must guard something (a rule or an @requiresScopes) or be removed.

/** Roles, lowest first. Each role has every permission of the roles below it. */
export const ROLES = ['viewer', 'user', 'organizer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Names other services use for the same roles (seed 001: member, manager). */
export const ROLE_ALIASES: Record<string, Role> = { member: 'user', manager: 'organizer' };

export const Permission = {
  // auth: a tenant's users read one another (Job.createdBy, User references); administrators of
  // users also read other users' roles and permissions; members read their tenant
  USERS_READ: 'users:read',
  USERS_ADMIN: 'users:admin',
  TENANTS_READ: 'tenants:read',
  // jobs (seed 001: every role uses the queue; workers and overrides are admin)
  JOBS_CREATE: 'jobs:create',
  JOBS_READ: 'jobs:read',
  JOBS_UPDATE: 'jobs:update',
  JOBS_CANCEL: 'jobs:cancel',
  JOBS_RETRY: 'jobs:retry',
  JOBS_DLQ: 'jobs:dlq',
  JOBS_ADMIN: 'jobs:admin',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

const P = Permission;

/** What each role adds to the one below it. */
const GRANTS: Record<Role, readonly string[]> = {
  viewer: [
    P.USERS_READ,
    P.TENANTS_READ,
    P.JOBS_CREATE,
    P.JOBS_READ,
    P.JOBS_UPDATE,
    P.JOBS_CANCEL,
    P.JOBS_RETRY,
    P.JOBS_DLQ,
  ],
  user: [],
  organizer: [],
  admin: [P.USERS_ADMIN, P.JOBS_ADMIN],
};

/** Role → every permission it holds (its own grants plus those of lower roles). */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<string>> = Object.fromEntries(
  ROLES.map((role, i) => [role, new Set(ROLES.slice(0, i + 1).flatMap((r) => GRANTS[r]))]),
) as unknown as Record<Role, ReadonlySet<string>>;

/** Canonical role names; unknown roles are dropped (they grant nothing). */
export function normalizeRoles(roles: readonly string[]): Role[] {
  const out = new Set<Role>();
  for (const r of roles) {
    const role = (ROLES as readonly string[]).includes(r) ? (r as Role) : ROLE_ALIASES[r];
    if (role) out.add(role);
  }
  return ROLES.filter((r) => out.has(r));
}

export function effectivePermissions(roles: readonly string[], extra: readonly string[] = []): string[] {
  const set = new Set<string>(extra.filter((p) => /^[a-z][a-z0-9_-]*:[a-z][a-z0-9_:-]*$/.test(p)));
  for (const role of normalizeRoles(roles)) for (const p of ROLE_PERMISSIONS[role]) set.add(p);
  return [...set].sort();
}

/** True when `roles` include `role` or a higher one. */
export function hasRoleAtLeast(roles: readonly string[], role: Role): boolean {
  const want = ROLES.indexOf(role);
  return normalizeRoles(roles).some((r) => ROLES.indexOf(r) >= want);
}
