// /readyz: the supergraph is loaded and every subgraph answers its own /readyz. Load balancers
// poll this often, so one check runs at a time and its answer is reused for a moment.
import type { SubgraphEndpoint } from './supergraph.ts';

export interface Readiness {
  ready: boolean;
  subgraphs: Record<string, 'ready' | 'unavailable'>;
  /** The shared store (Idempotency-Key records): Redis when REDIS_URL is set, else this process's memory. */
  store: 'ready' | 'unavailable';
}

export function readinessCheck(
  subgraphs: readonly SubgraphEndpoint[],
  isLoaded: () => boolean,
  opts: { timeoutMs?: number; reuseMs?: number; store?: () => Promise<boolean> } = {},
): () => Promise<Readiness> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const reuseMs = opts.reuseMs ?? 1000;
  const targets = subgraphs.map((s) => ({ name: s.name, url: new URL('/readyz', s.url).toString() }));
  let last: { at: number; result: Readiness } | undefined;
  let running: Promise<Readiness> | undefined;

  async function probe(url: string): Promise<boolean> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  async function run(): Promise<Readiness> {
    const [results, storeUp] = await Promise.all([
      Promise.all(targets.map(async (t) => [t.name, (await probe(t.url)) ? 'ready' : 'unavailable'] as const)),
      opts.store ? opts.store().catch(() => false) : Promise.resolve(true),
    ]);
    const result: Readiness = {
      ready: isLoaded() && storeUp && results.every(([, r]) => r === 'ready'),
      subgraphs: Object.fromEntries(results),
      store: storeUp ? 'ready' : 'unavailable',
    };
    last = { at: Date.now(), result };
    return result;
  }

  return () => {
    if (last && Date.now() - last.at < reuseMs) return Promise.resolve(last.result);
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}
