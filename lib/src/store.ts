// The shared store: short-lived records every replica of a process must agree on (claims-token
// ids already accepted, Idempotency-Key records, and the rate limits' counters). Redis when
// REDIS_URL is set, so replicas share one memory; otherwise a map in this process, which is what
// the embedded default needs and what a single process is safe with (the README says so).
//
// Every write names its lifetime: nothing in here lives forever. Values are strings; callers
// encode their own records. The conditional writes are atomic on both stores (Redis: one SET NX
// or one Lua script), so two replicas racing for a key get exactly one winner.
import { Redis } from 'ioredis';
import type { z } from 'zod';
import type { storeEnv } from './config.ts';

export interface SharedStore {
  /** `memory` (this process only) or `redis` (every process using the same server). */
  readonly kind: 'memory' | 'redis';
  /** Sets `key` to `value` for `ttlMs` unless it holds a value; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** The value of `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Sets `key` to `value` for `ttlMs`, whatever it held. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Replaces the value of `key` with `value` (for `ttlMs`) only while it still is `expected`; true when replaced. */
  replaceIf(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only while its value still is `expected`; true when deleted. */
  deleteIf(key: string, expected: string): Promise<boolean>;
  /** Answers true when the store can be reached (readiness). */
  ping(): Promise<boolean>;
  /** The Redis client, for libraries that take one (rate-limiter-flexible); undefined for memory. */
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

/** The store's configuration (REDIS_URL, STORE_KEY_PREFIX), in every process that shares records. */
export { storeEnv } from './config.ts';

/** A store in this process's memory. Expired entries are dropped when read and swept periodically. */
export function memoryStore(opts: { now?: () => number; sweepMs?: number } = {}): SharedStore {
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: string; expires: number }>();
  const live = (key: string) => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now()) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const sweep = setInterval(() => {
    const t = now();
    for (const [k, e] of entries) if (e.expires <= t) entries.delete(k);
  }, opts.sweepMs ?? 30_000);
  sweep.unref();
  const put = (key: string, value: string, ttlMs: number) => {
    entries.set(key, { value, expires: now() + Math.max(1, Math.ceil(ttlMs)) });
  };
  return {
    kind: 'memory',
    redis: undefined,
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      put(key, value, ttlMs);
      return true;
    },
    async get(key) {
      return live(key)?.value;
    },
    async set(key, value, ttlMs) {
      put(key, value, ttlMs);
    },
    async replaceIf(key, expected, value, ttlMs) {
      if (live(key)?.value !== expected) return false;
      put(key, value, ttlMs);
      return true;
    },
    async deleteIf(key, expected) {
      if (live(key)?.value !== expected) return false;
      entries.delete(key);
      return true;
    },
    async ping() {
      return true;
    },
    async close() {
      clearInterval(sweep);
      entries.clear();
    },
  };
}

const REPLACE_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;
const DELETE_IF = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0`;

export interface RedisStoreOptions {
  url: string;
  prefix?: string;
  /** How long a command may wait for the server before it fails (no silent queueing while Redis is down). */
  commandTimeoutMs?: number;
  /** Called with connection errors (ioredis emits them on every failed reconnect); default: ignored. */
  onError?: (err: Error) => void;
}

/** A store in Redis. Commands fail fast while the server is unreachable; the client reconnects by itself. */
export function redisStore(opts: RedisStoreOptions): SharedStore {
  const prefix = opts.prefix ?? '';
  const client = new Redis(opts.url, {
    keyPrefix: prefix,
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs ?? 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  });
  // Unhandled, an 'error' event from the client would end the process.
  client.on('error', (err: Error) => opts.onError?.(err));
  const ms = (ttlMs: number) => String(Math.max(1, Math.ceil(ttlMs)));
  return {
    kind: 'redis',
    redis: client,
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(key, value, 'PX', ms(ttlMs), 'NX')) === 'OK';
    },
    async get(key) {
      return (await client.get(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await client.set(key, value, 'PX', ms(ttlMs));
    },
    async replaceIf(key, expected, value, ttlMs) {
      return (await client.eval(REPLACE_IF, 1, key, expected, value, ms(ttlMs))) === 1;
    },
    async deleteIf(key, expected) {
      return (await client.eval(DELETE_IF, 1, key, expected)) === 1;
    },
    async ping() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

export type StoreConfig = z.output<z.ZodObject<typeof storeEnv>>;

/** The store a process's configuration asks for: Redis when REDIS_URL is set, else memory. */
export function openSharedStore(cfg: StoreConfig, onError?: (err: Error) => void): SharedStore {
  return cfg.REDIS_URL ? redisStore({ url: cfg.REDIS_URL, prefix: cfg.STORE_KEY_PREFIX, onError }) : memoryStore();
}
