// Returns expired leases to the queue on a timer. leaseJobs reclaims them too, but only when a
// worker asks for work: with no worker calling, a job whose worker died would stay RUNNING for
// good (counted as running, not cancellable, its last attempt never dead-lettered).
import type { Database } from '@eventzr/lib/db';
import type { Logger } from '@eventzr/lib/logger';
import { RECLAIM_BATCH, reclaimExpiredLeases } from '../repositories/workers.ts';

export const LEASE_SWEEP_INTERVAL_MS = 15_000;

/**
 * Sweeps at once and then every `intervalMs` after the previous sweep ended (sweeps never
 * overlap). A failed sweep is logged and tried again at the next interval. Returns the function
 * that stops the sweeper and waits for a sweep under way.
 */
export function startLeaseSweeper(database: Database, opts: { log: Logger; intervalMs?: number }): () => Promise<void> {
  const intervalMs = opts.intervalMs ?? LEASE_SWEEP_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();

  const sweep = async (): Promise<void> => {
    try {
      for (;;) {
        const reclaimed = await database.run({ worker: true }, (tx) => reclaimExpiredLeases(tx));
        const total = reclaimed.requeued + reclaimed.deadLettered;
        if (total > 0) opts.log.info({ reclaimed }, 'expired leases reclaimed');
        // A full batch means more may be waiting: go on now rather than an interval later.
        if (stopped || total < RECLAIM_BATCH) return;
      }
    } catch (err) {
      opts.log.error({ err }, 'lease sweep failed; trying again at the next interval');
    }
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweeping = sweep().then(() => schedule(intervalMs));
    }, delayMs);
    // The server keeps the process alive; the sweeper alone must not.
    timer.unref();
  };

  schedule(0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await sweeping;
  };
}
