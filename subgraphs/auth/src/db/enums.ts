// The stored values of the auth subgraph's enums besides the roles (lib/permissions ROLES): the one
// list the table (schema.ts), the GraphQL enum's internal values (resolvers) and codegen all take
// them from. No imports, so codegen.ts can read it.
export const PLAN_TIERS = ['free', 'starter', 'professional', 'enterprise'] as const;
export type PlanTier = (typeof PLAN_TIERS)[number];
