// What GraphQL Code Generator needs to type this subgraph's resolvers (root codegen.ts reads it):
// the context type and, per GraphQL type, the TypeScript type its resolvers really receive.
// Paths are relative to the generated file, src/generated/resolvers-types.ts.
import type { SubgraphCodegen } from '../../codegen.ts';
import { ROLES } from '../../lib/src/permissions.ts';
import { enumValues } from '../../lib/src/scalars.ts';
import { PLAN_TIERS } from './src/db/enums.ts';

export default {
  contextType: '../context.ts#AuthContext',
  mappers: {
    User: '../repositories/users.ts#UserWithTenant',
    Tenant: '../db/schema.ts#TenantRow',
    LoginPayload: '../services/sessions.ts#Session',
    RefreshTokenPayload: '../services/sessions.ts#Session',
  },
  enums: {
    Role: { type: '@eventzr/lib/permissions#Role', values: enumValues(ROLES) },
    PlanTier: { type: '../db/schema.ts#PlanTier', values: enumValues(PLAN_TIERS) },
  },
} satisfies SubgraphCodegen;
