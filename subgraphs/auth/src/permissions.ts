// Layer-2 authorization: the shield tree (applied with fallbackRule deny). It must agree with the
// SDL's @authenticated directives; subgraph.test.ts checks that with lib/authz-check.
import { allow, federationRules, isAuthenticated, type ShieldRule } from '@eventzr/lib/shield';

/** Seed 004's public endpoints (lib/public.ts PUBLIC_ROOT_FIELDS): callable without a token. */
const publicEndpoint = allow;

export const permissions: Record<string, Record<string, ShieldRule>> = {
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
  },
};
