// Per-request DataLoaders: entity references and nested lookups, one SQL statement per batch,
// always inside the calling user's tenant scope (RLS), so another tenant's id resolves to null.
import type DataLoader from 'dataloader';
import type { BaseContext } from '@eventzr/lib/context';
import type { Tx } from '@eventzr/lib/db';
import { keyedLoader } from '@eventzr/lib/loaders';
import type { TenantRow, UserRow } from './db/schema.ts';
import { tenantsByIds } from './repositories/tenants.ts';
import { usersByIds } from './repositories/users.ts';

export interface AuthLoaders {
  user: DataLoader<string, UserRow | null>;
  tenant: DataLoader<string, TenantRow | null>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The loader key for an id from an entity reference. Ids are stored lower case, and the loaders
 * match rows to keys exactly, so an upper-case UUID (as valid) would otherwise resolve to null.
 */
export const referenceId = (id: unknown): string => (typeof id === 'string' ? id.toLowerCase() : String(id));

export function createLoaders(ctx: BaseContext): AuthLoaders {
  const { caller, database } = ctx;
  /**
   * Users and tenants are tenant data: only a user caller has a tenant to read them in. Internal
   * callers (workers) and anonymous ones get nothing. Ids that are not UUIDs cannot exist, and
   * would only make Postgres fail the cast, so they are dropped before the query.
   */
  const scoped = <T>(ids: readonly string[], fetch: (tx: Tx, ids: string[]) => Promise<T[]>): Promise<T[]> => {
    const valid = ids.filter((id) => UUID.test(id));
    if (caller.kind !== 'user' || valid.length === 0) return Promise.resolve([]);
    return database.run({ tenantId: caller.tenantId }, (tx) => fetch(tx, valid));
  };
  return {
    user: keyedLoader(
      (ids) => scoped(ids, usersByIds),
      (u) => u.id,
    ),
    tenant: keyedLoader(
      (ids) => scoped(ids, tenantsByIds),
      (t) => t.id,
    ),
  };
}
