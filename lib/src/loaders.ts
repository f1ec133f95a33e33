// Per-request DataLoader helpers: one batched SQL statement per entity type and tick, whatever
// the page size, and results put back in key order.
import DataLoader from 'dataloader';

/**
 * A loader from ids to rows. `fetch` receives the distinct keys of one batch and returns the rows
 * found (in any order); a key with no row resolves to null (absent or hidden by RLS).
 */
export function keyedLoader<K, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (row: V) => K,
  opts: { maxBatchSize?: number } = {},
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, V>();
      for (const row of rows) byKey.set(keyOf(row), row);
      return keys.map((k) => byKey.get(k) ?? null);
    },
    { maxBatchSize: opts.maxBatchSize ?? 500 },
  );
}

/** A loader from one key to many rows (e.g. tenant → its users). */
export function groupedLoader<K, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, V[]>();
    for (const row of rows) {
      const k = keyOf(row);
      const g = groups.get(k);
      if (g) g.push(row);
      else groups.set(k, [row]);
    }
    return keys.map((k) => groups.get(k) ?? []);
  });
}
