// The installation's signing keys: read fresh by every auth process (briefly cached), made on
// first start, and rotated by `npm run auth:keys` (src/bin/keys.ts) in observable steps:
//
//   publish   a new key pair is stored as the next key: served in the JWKS, signs nothing yet.
//   activate  once the next key has been published long enough that every auth process serves it
//             and every verifier can have fetched it (SIGNING_KEY_PUBLISH_WAIT_SECONDS), it
//             signs; the key it replaces is retired in the same transaction.
//   retired   a retired key stays in the JWKS until every token it signed has expired: access-token
//             lifetime + verifiers' clock tolerance + this cache (another process may have signed
//             with it until its cache ran out). Then it leaves the JWKS; `prune` deletes it.
//
// Every read and write of signing_keys goes through the signer role's connection (a RoleDatabase):
// the request role cannot select a private key, and does not need to (the JWKS is read here too).
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import type { RoleDatabase } from '@eventzr/lib/db';
import type { SigningKeyRow, signingKeys } from '../db/schema.ts';
import {
  activateKey,
  databaseNow,
  deleteRetiredKeys,
  insertKeyIfNoneActive,
  insertNextKey,
  keyDates,
  publishedKeys,
} from '../repositories/signing-keys.ts';

export const ACCESS_TOKEN_ALG = 'RS256';

/** What the key set's timing depends on (the auth subgraph's config, see config.ts). */
export interface KeySettings {
  /** Access-token lifetime. */
  ttlSeconds: number;
  /** The verifiers' clock tolerance (the router's JWT_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceSeconds: number;
  /** How long a process reuses the key set it read. */
  cacheSeconds: number;
  /** How long a published key waits before it may sign. */
  publishWaitSeconds: number;
}

/** How long a retired key stays in the JWKS: until no token it signed can still be accepted. */
export const retiredGraceSeconds = (s: KeySettings): number => s.ttlSeconds + s.clockToleranceSeconds + s.cacheSeconds;

export interface SigningKeys {
  /** The key new tokens are signed with. */
  active: { kid: string; privateKey: CryptoKey };
  /** Public keys a verifier may meet (next, active, and recently retired ones), oldest first. */
  jwks: { keys: JWK[] };
}

async function newKeyRow(): Promise<typeof signingKeys.$inferInsert> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(publicKey);
  // The RFC 7638 thumbprint: a kid that is derived from the key itself, URL-safe and stable.
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, alg: ACCESS_TOKEN_ALG, publicJwk: { ...jwk }, privateKey: await exportPKCS8(privateKey) };
}

function publicJwkOf(row: SigningKeyRow): JWK {
  const { kty, n, e } = row.publicJwk as { kty?: string; n?: string; e?: string };
  // Only the public members, whatever else the row holds.
  return { kty, n, e, kid: row.kid, alg: row.alg, use: 'sig' };
}

const isActive = (r: Pick<SigningKeyRow, 'activatedAt' | 'retiredAt'>) =>
  r.activatedAt !== null && r.retiredAt === null;

/**
 * The key set as the database holds it now; on first start (no active key) one is made. The
 * private key is imported only for the active row.
 */
export async function readSigningKeys(
  signer: RoleDatabase,
  settings: Pick<KeySettings, 'ttlSeconds' | 'clockToleranceSeconds' | 'cacheSeconds'>,
): Promise<SigningKeys> {
  const grace = settings.ttlSeconds + settings.clockToleranceSeconds + settings.cacheSeconds;
  const read = () => signer.run((tx) => publishedKeys(tx, grace));
  let rows = await read();
  if (!rows.some(isActive)) {
    const row = await newKeyRow();
    await signer.run((tx) => insertKeyIfNoneActive(tx, row));
    rows = await read();
  }
  const active = rows.find(isActive);
  if (!active) throw new Error('no active signing key after creating one');
  return {
    active: { kid: active.kid, privateKey: await importPKCS8(active.privateKey, ACCESS_TOKEN_ALG) },
    jwks: { keys: rows.map(publicJwkOf) },
  };
}

export interface KeyStore {
  /** The key set, read again once the cached one is older than the cache time. */
  current(): Promise<SigningKeys>;
  /** The last key set read (what `current` would return from cache), undefined before the first read. */
  readonly last: SigningKeys | undefined;
  /** Reads the key set now (the next `current` calls share the result). */
  refresh(): Promise<SigningKeys>;
}

export interface KeyStoreOptions {
  /** Milliseconds since the epoch (tests move it). */
  now?: () => number;
  /** Told when a read fails and the previous key set is kept. */
  onStale?: (err: unknown) => void;
}

/**
 * The process's view of the key set: read through the signer's connection, reused for
 * `cacheSeconds`, then read again (one read at a time, whoever asks). When a read fails (the
 * database is away) the previous set keeps serving; with none yet, the error is the caller's.
 */
export function createKeyStore(signer: RoleDatabase, settings: KeySettings, opts: KeyStoreOptions = {}): KeyStore {
  const now = opts.now ?? Date.now;
  let cached: { keys: SigningKeys; readAt: number } | undefined;
  let inFlight: Promise<SigningKeys> | undefined;
  const refresh = (): Promise<SigningKeys> =>
    (inFlight ??= (async () => {
      try {
        const keys = await readSigningKeys(signer, settings);
        cached = { keys, readAt: now() };
        return keys;
      } catch (err) {
        if (!cached) throw err;
        opts.onStale?.(err);
        return cached.keys;
      } finally {
        inFlight = undefined;
      }
    })());
  return {
    get last() {
      return cached?.keys;
    },
    refresh,
    async current() {
      if (cached && now() - cached.readAt < settings.cacheSeconds * 1000) return cached.keys;
      return refresh();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rotation: what `npm run auth:keys` runs.

export type KeyState = 'next' | 'active' | 'retired';

export interface KeyStatus {
  kid: string;
  state: KeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  /** Whether /.well-known/jwks.json serves it. */
  inJwks: boolean;
  /** next: from when `activate` will make it sign. */
  activatableAt?: Date;
  /** retired: when it leaves the JWKS (and `prune` may delete it). */
  leavesJwksAt?: Date;
}

export interface RotationStatus {
  /** The database's clock when read. */
  now: Date;
  keys: KeyStatus[];
}

const plus = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);

/** Every key's state and dates, read as the signer; never a private key. */
export async function keyStatus(signer: RoleDatabase, settings: KeySettings): Promise<RotationStatus> {
  const { now, rows } = await signer.run(async (tx) => ({ now: await databaseNow(tx), rows: await keyDates(tx) }));
  const grace = retiredGraceSeconds(settings);
  return {
    now,
    keys: rows.map((r): KeyStatus => {
      if (r.retiredAt) {
        const leavesJwksAt = plus(r.retiredAt, grace);
        return { ...r, state: 'retired', inJwks: leavesJwksAt > now, leavesJwksAt };
      }
      if (r.activatedAt) return { ...r, state: 'active', inJwks: true };
      return { ...r, state: 'next', inJwks: true, activatableAt: plus(r.createdAt, settings.publishWaitSeconds) };
    }),
  };
}

/** A rotation step that cannot run now, with why; the command exits non-zero with the message. */
export class RotationError extends Error {
  constructor(
    readonly code: 'NO_NEXT_KEY' | 'TOO_EARLY' | 'RACED',
    message: string,
    /** TOO_EARLY: when the step can run. */
    readonly retryAt?: Date,
  ) {
    super(message);
    this.name = 'RotationError';
  }
}

/**
 * Publishes a new key as the next one. When one is already waiting it is kept (publishing twice
 * does not restart its wait): `created` says which.
 */
export async function publishNextKey(
  signer: RoleDatabase,
  settings: KeySettings,
): Promise<{ kid: string; created: boolean; activatableAt: Date }> {
  const row = await newKeyRow();
  const created = await signer.run((tx) => insertNextKey(tx, row));
  const next = (await keyStatus(signer, settings)).keys.find((k) => k.state === 'next');
  if (!next) throw new RotationError('RACED', 'the published key was activated or withdrawn meanwhile: run status');
  return { kid: next.kid, created, activatableAt: next.activatableAt! };
}

/**
 * Makes the next key sign, retiring the active one, once it has been published for
 * `publishWaitSeconds` (by the database's clock): before that, a verifier may not have it yet.
 */
export async function activateNextKey(
  signer: RoleDatabase,
  settings: KeySettings,
): Promise<{ kid: string; retired: string | undefined; leavesJwksAt: Date | undefined }> {
  const status = await keyStatus(signer, settings);
  const next = status.keys.find((k) => k.state === 'next');
  if (!next) throw new RotationError('NO_NEXT_KEY', 'no key is published to take over: run `publish` first');
  if (next.activatableAt! > status.now)
    throw new RotationError(
      'TOO_EARLY',
      `key ${next.kid} was published at ${next.createdAt.toISOString()}; it may sign from ` +
        `${next.activatableAt!.toISOString()} (SIGNING_KEY_PUBLISH_WAIT_SECONDS=${settings.publishWaitSeconds}), ` +
        'once every auth process and verifier can have it',
      next.activatableAt,
    );
  const result = await signer.run(async (tx) => {
    const done = await activateKey(tx, next.kid);
    // Thrown inside the transaction: the active key it retired is restored.
    if (!done)
      throw new RotationError('RACED', `key ${next.kid} is no longer waiting (another rotation ran): run status`);
    return { ...done, at: await databaseNow(tx) };
  });
  return {
    kid: next.kid,
    retired: result.retired,
    leavesJwksAt: result.retired ? plus(result.at, retiredGraceSeconds(settings)) : undefined,
  };
}

/** Deletes retired keys that have left the JWKS; returns their kids. */
export async function pruneRetiredKeys(signer: RoleDatabase, settings: KeySettings): Promise<string[]> {
  return signer.run((tx) => deleteRetiredKeys(tx, retiredGraceSeconds(settings)));
}

export interface RotateOptions {
  /** Waits (default: a timer); tests may pass a faster clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Each step as it happens. */
  log?: (line: string) => void;
}

/**
 * The whole safe sequence: prune what has left the JWKS, publish the next key (or keep the one
 * waiting), wait until it may sign, activate it (retiring the old one, which leaves the JWKS by
 * itself after its grace).
 */
export async function rotateKeys(signer: RoleDatabase, settings: KeySettings, opts: RotateOptions = {}) {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = opts.log ?? (() => undefined);
  const pruned = await pruneRetiredKeys(signer, settings);
  if (pruned.length > 0) log(`pruned ${pruned.join(', ')} (retired, out of the JWKS)`);
  const published = await publishNextKey(signer, settings);
  log(
    `${published.created ? 'published' : 'kept the already published'} ${published.kid}; it signs from ` +
      `${published.activatableAt.toISOString()}`,
  );
  for (;;) {
    try {
      const activated = await activateNextKey(signer, settings);
      log(
        `activated ${activated.kid}` +
          (activated.retired
            ? `; retired ${activated.retired}, in the JWKS until ${activated.leavesJwksAt!.toISOString()}`
            : ''),
      );
      return { pruned, published, activated };
    } catch (err) {
      if (!(err instanceof RotationError) || err.code !== 'TOO_EARLY' || !err.retryAt) throw err;
      const status = await keyStatus(signer, settings);
      const ms = Math.max(50, err.retryAt.getTime() - status.now.getTime());
      log(`waiting ${Math.ceil(ms / 1000)} s for ${published.kid} to reach every verifier`);
      await sleep(ms);
    }
  }
}
