// Layer-2 authorization of the auth subgraph: a rule per root field, per field that needs more
// than its parent's rule, and per entity. lib checks at start (and schema:check in CI) that it
// agrees with the @authenticated / @requiresScopes of schema.graphql.
import { forbidden, unauthenticated } from '@eventzr/lib/errors';
import { Permission } from '@eventzr/lib/permissions';
import {
  allow,
  federationRules,
  hasPermission,
  isAuthenticated,
  policy,
  selfOrAdmin,
  type PermissionTree,
} from '@eventzr/lib/shield';

/** Seed 004's public endpoints: callable without a token (the SDL leaves them without access directives). */
const publicEndpoint = allow;

/**
 * Who may read a user: the tenant's members (every role holds users:read), e.g. a job's creator
 * shown beside the job. Row level security confines the reference to the caller's own tenant;
 * internal callers hold no tenant and are refused.
 */
const readsUsers = hasPermission(Permission.USERS_READ);

/** A user's roles and permissions: their own, or any user's for an administrator of users. */
const selfOrUsersAdmin = selfOrAdmin('user', Permission.USERS_ADMIN);

/**
 * The router itself, calling with its own claims token as the internal caller `router` (it maps a
 * verified external token to a user, router/src/auth/external-identities.ts). The field is also
 * @inaccessible: no client, internal ones included, can reach it through the router, and only the
 * router signs claims tokens, so no one else can call it at all.
 */
export const isRouter = policy(
  'isRouter',
  (_p, _a, ctx) =>
    ctx.caller.kind === 'internal' && ctx.caller.service === ROUTER_SERVICE
      ? true
      : ctx.caller.kind === 'anonymous'
        ? unauthenticated()
        : forbidden('The router only'),
  { cache: 'contextual', callers: ['internal'] },
);

/** The service name the router calls under (lib/claims InternalCaller). */
export const ROUTER_SERVICE = 'router';

export const permissions: PermissionTree = {
  Query: {
    ...federationRules,
    me: isAuthenticated,
  },
  Mutation: {
    login: publicEndpoint,
    refreshToken: publicEndpoint,
    register: publicEndpoint,
    requestPasswordReset: publicEndpoint,
    // The refresh token must also be the caller's own (sessions.logout): a policy needing the row.
    logout: isAuthenticated,
    provisionExternalIdentity: isRouter,
  },
  User: {
    roles: selfOrUsersAdmin,
    permissions: selfOrUsersAdmin,
  },
  entities: {
    User: readsUsers,
    Tenant: hasPermission(Permission.TENANTS_READ),
  },
};
