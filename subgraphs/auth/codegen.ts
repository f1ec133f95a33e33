// What GraphQL Code Generator needs to type this subgraph's resolvers (root codegen.ts reads it):
// the context type and, per GraphQL type, the TypeScript type its resolvers really receive.
// Paths are relative to the generated file, src/generated/resolvers-types.ts.
import type { SubgraphCodegen } from '../../codegen.ts';

export default {
  contextType: '../context.ts#AuthContext',
  mappers: {
    User: '../repositories/users.ts#UserWithTenant',
    Tenant: '../db/schema.ts#TenantRow',
    LoginPayload: '../services/sessions.ts#Session',
    RefreshTokenPayload: '../services/sessions.ts#Session',
  },
  enums: {
    Role: {
      type: '@eventzr/lib/permissions#Role',
      values: { VIEWER: 'viewer', USER: 'user', ORGANIZER: 'organizer', ADMIN: 'admin' },
    },
    PlanTier: {
      type: '../db/schema.ts#PlanTier',
      values: { FREE: 'free', STARTER: 'starter', PROFESSIONAL: 'professional', ENTERPRISE: 'enterprise' },
    },
  },
} satisfies SubgraphCodegen;
