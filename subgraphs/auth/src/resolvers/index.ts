import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { Context } from '@eventzr/lib/context';
import { DateTime } from '@eventzr/lib/scalars';
import type { AuthLoaders } from '../loaders.ts';
import type { AuthDeps } from '../sessions.ts';
import { authMutations } from './auth.ts';
import { PlanTier, Role, Tenant, User, userQueries } from './users.ts';

export function createResolvers(deps: AuthDeps): GraphQLResolverMap<Context<AuthLoaders>> {
  return {
    DateTime,
    Query: userQueries,
    Mutation: authMutations(deps),
    User,
    Tenant,
    Role,
    PlanTier,
  } as GraphQLResolverMap<Context<AuthLoaders>>;
}
