// The fixture's authorization: a rule per root field, per guarded field and per entity.
import { Permission } from '@eventzr/lib/permissions';
import { federationRules, hasPermission, isAuthenticated, type PermissionTree } from '@eventzr/lib/shield';

export const permissions: PermissionTree = {
  Query: { ...federationRules, note: isAuthenticated },
  Mutation: { addNote: isAuthenticated },
  Tenant: { noteCount: isAuthenticated },
  // A reference to the auth subgraph's User, which resolves it for users:read only.
  Note: { author: hasPermission(Permission.USERS_READ) },
  entities: { Note: isAuthenticated, Tenant: isAuthenticated },
};
