// The auth subgraph's resolver map, typed by the generated resolver types (npm run codegen).
import { DateTime } from '@eventzr/lib/scalars';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { AuthDeps } from '../sessions.ts';
import { authMutations } from './auth.ts';
import { PlanTier, Role, Tenant, User, userQueries } from './users.ts';

export function createResolvers(deps: AuthDeps): Resolvers {
  return {
    DateTime,
    Query: userQueries,
    Mutation: authMutations(deps),
    User,
    Tenant,
    Role,
    PlanTier,
  };
}
