// The key set each auth process reads (cached briefly, one read at a time, the previous set kept
// through an outage), the rotation steps' rules (a published key waits before it signs; only one
// waits; only one signs; a retired key leaves after its grace), the configuration they need, and
// the start-up refusal when the request role could read a private key.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, readConfig, testEnvSchema } from '@eventzr/lib/config';
import { openRoleDatabase, type RoleDatabase, type Tx } from '@eventzr/lib/db';
import { subgraphConfig } from '@eventzr/lib/bootstrap';
import { createTestDatabase, startTestSubgraph, usingRealPostgres, type TestDatabase } from '@eventzr/lib/testing';
import { authConfigFromEnv } from '../config.ts';
import { SIGNER_ROLE } from '../db/schema.ts';
import { subgraph } from '../subgraph.ts';
import { TEST_ENV } from '../test-support.ts';
import {
  activateNextKey,
  createKeyStore,
  keyStatus,
  publishNextKey,
  pruneRetiredKeys,
  readSigningKeys,
  retiredGraceSeconds,
  type KeySettings,
} from './signing-keys.ts';

const SETTINGS: KeySettings = { ttlSeconds: 60, clockToleranceSeconds: 5, cacheSeconds: 10, publishWaitSeconds: 30 };

let database: TestDatabase;
let signer: RoleDatabase;
beforeAll(async () => {
  database = await createTestDatabase('auth_signing', subgraph.migrationsFolder);
  signer = await openRoleDatabase(SIGNER_ROLE, database.signerUrl, database);
});
afterAll(async () => {
  await signer?.close();
  await database?.destroy();
});

/** Moves the key dates back by `seconds`, as the owner (what time passing would do). */
const age = (seconds: number) =>
  database.asOwner((tx) =>
    tx.execute(sql`
      update signing_keys set created_at = created_at - make_interval(secs => ${seconds}),
        activated_at = activated_at - make_interval(secs => ${seconds}),
        retired_at = retired_at - make_interval(secs => ${seconds})`),
  );

/** A signer connection that counts its transactions, and can be made to fail. */
function counting(inner: RoleDatabase) {
  const c = {
    role: inner.role,
    reads: 0,
    fail: false,
    run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      c.reads++;
      if (c.fail) return Promise.reject(new Error('connection refused'));
      return inner.run(fn);
    },
    close: () => inner.close(),
  };
  return c satisfies RoleDatabase;
}

describe('the key store (what each auth process serves and signs with)', () => {
  it('reuses the set it read for the cache time, shares one read between callers, then reads again', async () => {
    const s = counting(signer);
    let now = 1_000_000;
    const store = createKeyStore(s, SETTINGS, { now: () => now });
    const [a, b] = await Promise.all([store.current(), store.current()]);
    expect(a).toBe(b);
    const afterFirst = s.reads;
    expect(afterFirst).toBeGreaterThan(0);
    now += 9_999;
    expect(await store.current()).toBe(a);
    expect(s.reads).toBe(afterFirst);
    now += 1;
    const c = await store.current();
    expect(c).not.toBe(a);
    expect(c.active.kid).toBe(a.active.kid);
    expect(s.reads).toBe(afterFirst + 1);
  });

  it('keeps serving the previous set when a read fails; with none yet, the error is the caller’s', async () => {
    const s = counting(signer);
    let now = 0;
    const stale: unknown[] = [];
    const store = createKeyStore(s, SETTINGS, { now: () => now, onStale: (e) => stale.push(e) });
    const first = await store.current();
    s.fail = true;
    now += 60_000;
    expect(await store.current()).toBe(first);
    expect(stale).toHaveLength(1);
    const cold = createKeyStore(s, SETTINGS);
    await expect(cold.current()).rejects.toThrow(/connection refused/);
  });
});

describe('rotation steps', () => {
  it('publish waits before activate; one key waits at a time; activate retires the old key; prune after the grace', async () => {
    const k0 = (await readSigningKeys(signer, SETTINGS)).active.kid;
    const next = await publishNextKey(signer, SETTINGS);
    expect(next.created).toBe(true);
    // Publishing again keeps the waiting key (its wait does not restart).
    expect(await publishNextKey(signer, SETTINGS)).toMatchObject({ kid: next.kid, created: false });
    let keys = await readSigningKeys(signer, SETTINGS);
    expect(keys.active.kid).toBe(k0);
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([k0, next.kid]);
    // Refused: activating before every verifier can have the key.
    await expect(activateNextKey(signer, SETTINGS)).rejects.toMatchObject({ code: 'TOO_EARLY' });
    expect((await readSigningKeys(signer, SETTINGS)).active.kid).toBe(k0);

    // Allowed once published for publishWaitSeconds.
    await age(SETTINGS.publishWaitSeconds);
    const activated = await activateNextKey(signer, SETTINGS);
    expect(activated).toMatchObject({ kid: next.kid, retired: k0 });
    keys = await readSigningKeys(signer, SETTINGS);
    expect(keys.active.kid).toBe(next.kid);
    expect(keys.jwks.keys.map((k) => k.kid)).toEqual([k0, next.kid]);
    await expect(activateNextKey(signer, SETTINGS)).rejects.toMatchObject({ code: 'NO_NEXT_KEY' });

    // The retired key stays published and undeleted until its grace is over...
    expect(await pruneRetiredKeys(signer, SETTINGS)).toEqual([]);
    await age(retiredGraceSeconds(SETTINGS) - 2);
    expect((await readSigningKeys(signer, SETTINGS)).jwks.keys.map((k) => k.kid)).toEqual([k0, next.kid]);
    expect(await pruneRetiredKeys(signer, SETTINGS)).toEqual([]);
    // ...then leaves the JWKS, and prune deletes it.
    await age(2);
    expect((await readSigningKeys(signer, SETTINGS)).jwks.keys.map((k) => k.kid)).toEqual([next.kid]);
    const status = await keyStatus(signer, SETTINGS);
    expect(status.keys.map((k) => [k.kid, k.state, k.inJwks])).toEqual([
      [k0, 'retired', false],
      [next.kid, 'active', true],
    ]);
    expect(await pruneRetiredKeys(signer, SETTINGS)).toEqual([k0]);
    expect((await keyStatus(signer, SETTINGS)).keys.map((k) => k.kid)).toEqual([next.kid]);
  });

  describe.runIf(usingRealPostgres())('concurrently (real PostgreSQL)', () => {
    it('two activations of one waiting key: exactly one wins, one key signs', async () => {
      const next = await publishNextKey(signer, SETTINGS);
      await age(SETTINGS.publishWaitSeconds);
      const results = await Promise.allSettled([activateNextKey(signer, SETTINGS), activateNextKey(signer, SETTINGS)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const status = await keyStatus(signer, SETTINGS);
      expect(status.keys.filter((k) => k.state === 'active').map((k) => k.kid)).toEqual([next.kid]);
    });

    it('the application login cannot act as the signer (not a member of its role)', async () => {
      const env = readConfig(testEnvSchema);
      const appUrl = new URL(env.TEST_POSTGRES_APP_URL!);
      appUrl.pathname = new URL(database.signerUrl!).pathname;
      await expect(openRoleDatabase(SIGNER_ROLE, appUrl.toString())).rejects.toThrow(
        /cannot act as the role "eventzr_signer": permission denied to set role/,
      );
    });
  });
});

describe('configuration', () => {
  const config = (env: Record<string, string>) =>
    authConfigFromEnv(
      subgraphConfig(subgraph, { ...TEST_ENV, NODE_ENV: 'production', ROUTER_CLAIMS_PUBLIC_KEY: 'x', ...env }),
    );
  const problems = (env: Record<string, string>) => {
    try {
      config(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };
  const app = 'postgres://eventzr_app:p@db/eventzr_auth';
  const signerUrl = 'postgres://eventzr_signer:p@db/eventzr_auth';

  it('allowed: Postgres with the signer’s own login; the embedded PGlite without one', () => {
    expect(config({ DATABASE_URL: app, DATABASE_SIGNER_URL: signerUrl }).signerUrl).toBe(signerUrl);
    expect(
      authConfigFromEnv(subgraphConfig(subgraph, { ...TEST_ENV, ROUTER_CLAIMS_SECRET: 'x'.repeat(32) })).signerUrl,
    ).toBeUndefined();
  });

  it('refused: Postgres without a signer login, the application login as signer, a publish wait shorter than the cache', () => {
    expect(problems({ DATABASE_URL: app })).toEqual([
      expect.stringMatching(/^DATABASE_SIGNER_URL: required with DATABASE_URL/),
    ]);
    expect(problems({ DATABASE_URL: app, DATABASE_SIGNER_URL: app })).toEqual([
      'DATABASE_SIGNER_URL: must not be the application login (DATABASE_URL)',
    ]);
    expect(
      problems({
        DATABASE_URL: app,
        DATABASE_SIGNER_URL: signerUrl,
        SIGNING_KEYS_CACHE_SECONDS: '30',
        SIGNING_KEY_PUBLISH_WAIT_SECONDS: '10',
      }),
    ).toEqual([expect.stringMatching(/^SIGNING_KEY_PUBLISH_WAIT_SECONDS: at least SIGNING_KEYS_CACHE_SECONDS/)]);
  });
});

describe('start-up', () => {
  it('refuses to serve when the request role may select the private key; serves once the grant is gone', async () => {
    const db = await createTestDatabase('auth_refuse', subgraph.migrationsFolder);
    try {
      await db.asOwner((tx) => tx.execute(sql`grant select (private_key) on signing_keys to eventzr_app`));
      await expect(startTestSubgraph(subgraph, { env: TEST_ENV, database: db })).rejects.toThrow(
        /Refusing to start: the application role may select signing_keys\.private_key/,
      );
      await db.asOwner((tx) => tx.execute(sql`revoke select (private_key) on signing_keys from eventzr_app`));
      const sg = await startTestSubgraph(subgraph, { env: TEST_ENV, database: db });
      await sg.close();
    } finally {
      await db.destroy();
    }
  });
});
