// What the claims replay memory costs a subgraph per request: the claims verification as the
// subgraph server runs it (Ed25519 with jose, then the operation hash and caller checks), without
// replay memory, with the in-memory store, and with Redis (when TEST_REDIS_URL is set, e.g. under
// scripts/with-redis.sh); plus the replay record alone (one SET NX PX). Every request carries a
// fresh token (minted beforehand, so signing is not measured), as the router sends them. The
// variants take turns over several rounds and the median round is reported (a shared machine).
// Run: npm run bench -- replay   (Redis: REDIS_PORT=56379 bash scripts/with-redis.sh npm run bench -- replay)
import { randomUUID } from 'node:crypto';
import {
  CLAIMS_CLOCK_TOLERANCE_SECONDS,
  createClaimsSigner,
  createClaimsVerifier,
  operationHash,
  type ClaimsVerifier,
} from '../lib/src/claims.ts';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { claimsReplayGuard, type ReplayGuard } from '../lib/src/replay.ts';
import { memoryStore, redisStore, type SharedStore } from '../lib/src/store.ts';
import { userCaller } from '../lib/src/testing/callers.ts';
import { testClaimsKeys } from '../lib/src/testing/subgraph.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runReplayBench(perRound = 1000, rounds = 7): Promise<Record<string, number>> {
  const keys = await testClaimsKeys();
  const signer = await createClaimsSigner(keys);
  const caller = userCaller({ tenantId: randomUUID(), permissions: ['jobs:read'] });
  const opHash = operationHash('query Q($id: ID!) { job(id: $id) { id status } }', { id: '1' });
  const expected = { audience: 'jobs', opHash };
  const mint = () =>
    Promise.all(
      Array.from({ length: perRound }, () => signer.sign({ caller, audience: 'jobs', opHash, requestId: 'r' })),
    );
  const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;
  const tolerance = { clockToleranceSeconds: CLAIMS_CLOCK_TOLERANCE_SECONDS };

  interface Variant {
    label: string;
    store?: SharedStore;
    verifier: ClaimsVerifier;
    guard?: ReplayGuard;
    verify: number[];
    record: number[];
  }
  const variant = async (label: string, store?: SharedStore): Promise<Variant> => {
    const guard = store ? claimsReplayGuard(store, tolerance) : undefined;
    return {
      label,
      store,
      guard,
      verifier: await createClaimsVerifier(keys, { replay: guard }),
      verify: [],
      record: [],
    };
  };
  const variants = [await variant('no replay memory (before)'), await variant('memory store', memoryStore())];
  if (redisUrl)
    variants.push(await variant('Redis (127.0.0.1)', redisStore({ url: redisUrl, prefix: `bench:${randomUUID()}:` })));

  for (let round = 0; round <= rounds; round++) {
    for (const v of variants) {
      const tokens = await mint();
      const t0 = performance.now();
      for (const t of tokens) await v.verifier.verify(t, expected);
      const verify = ((performance.now() - t0) / perRound) * 1000;
      let record = 0;
      if (v.guard) {
        const exp = Math.floor(Date.now() / 1000) + 60;
        const ids = Array.from({ length: perRound }, () => randomUUID());
        const t1 = performance.now();
        for (const id of ids) await v.guard.remember('jobs', id, exp);
        record = ((performance.now() - t1) / perRound) * 1000;
      }
      // Round 0 warms up.
      if (round > 0) {
        v.verify.push(verify);
        v.record.push(record);
      }
    }
  }

  console.log(
    `\nClaims verification per subgraph request (fresh token each; median of ${rounds} rounds × ${perRound})`,
  );
  const out: Record<string, number> = {};
  const base = median(variants[0]!.verify);
  for (const v of variants) {
    const verify = median(v.verify);
    const record = median(v.record);
    out[v.label] = verify;
    console.log(
      `  ${v.label.padEnd(28)} ${verify.toFixed(1).padStart(8)} µs/request` +
        (v.guard
          ? `  (${verify >= base ? '+' : ''}${(verify - base).toFixed(1)} µs; the record alone ${record.toFixed(1)} µs)`
          : ''),
    );
    if (v.guard) out[`${v.label}: record`] = record;
    await v.store?.close();
  }
  if (!redisUrl) console.log('  (Redis skipped: set TEST_REDIS_URL, e.g. under scripts/with-redis.sh)');
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await runReplayBench();
