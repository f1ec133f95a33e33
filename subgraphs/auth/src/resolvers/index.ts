// The auth subgraph's resolver map, typed by the generated resolver types (npm run codegen).
import { DateTime } from '@eventzr/lib/scalars';
import type { Resolvers } from '../generated/resolvers-types.ts';
import type { AuthDeps } from '../services/sessions.ts';
import { authMutations } from './mutations.ts';
import { PlanTier, Role, Tenant, User } from './entities.ts';
import { Query } from './queries.ts';

export function createResolvers(deps: AuthDeps): Resolvers {
  return {
    DateTime,
    Query,
    Mutation: authMutations(deps),
    User,
    Tenant,
    Role,
    PlanTier,
  };
}
