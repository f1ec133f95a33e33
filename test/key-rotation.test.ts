// Rotating the auth signing key on a running installation: two auth processes on one database
// (replicas), the router in front verifying through the JWKS it fetches. The rotation command's
// steps run as the signer role; every step is observed over HTTP, never timed: each wait polls
// for the state the previous step promises, with a short key cache (1 s) and router JWKS cache.
//
//   before    both processes sign with K0; a token T0 is taken from the second process
//   publish   K1 is in both processes' JWKS; nobody signs with it yet; activating is refused
//             until SIGNING_KEY_PUBLISH_WAIT_SECONDS have passed
//   activate  both processes sign with K1; the router accepts K1 tokens, and still T0 (K0 is
//             retired, not gone)
//   grace     K0 leaves both JWKS once ACCESS_TOKEN_TTL + tolerance + cache have passed; the router
//             drops it within its JWKS cache time (a K0 token it had not seen is refused); prune
//             deletes it
import { eq } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader, importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../lib/src/claims.ts';
import { openRoleDatabase, type RoleDatabase } from '../lib/src/db.ts';
import { DEV_PASSWORD } from '../lib/src/dev-seed.ts';
import { startTestSubgraph, type TestSubgraph } from '../lib/src/testing.ts';
import { runKeyCommand } from '../subgraphs/auth/src/bin/keys.ts';
import { authConfigFromEnv, type AuthEnv } from '../subgraphs/auth/src/config.ts';
import { SIGNER_ROLE, signingKeys } from '../subgraphs/auth/src/db/schema.ts';
import { RotationError, type KeySettings } from '../subgraphs/auth/src/services/signing-keys.ts';
import { JWKS_PATH, subgraph as auth } from '../subgraphs/auth/src/subgraph.ts';
import { AUDIENCE, clientOperations, ISSUER, startStack, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const AUTH_ENV = {
  SIGNING_KEYS_CACHE_SECONDS: '1',
  SIGNING_KEY_PUBLISH_WAIT_SECONDS: '2',
  ACCESS_TOKEN_TTL_SECONDS: '10',
  JWT_CLOCK_TOLERANCE_SECONDS: '0',
};
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) { accessToken }
}`;

let stack: Stack;
let second: TestSubgraph;
let signer: RoleDatabase;
let settings: KeySettings;
let processes: TestSubgraph[];

beforeAll(async () => {
  stack = await startStack({
    subgraphEnv: AUTH_ENV,
    routerEnv: { JWKS_COOLDOWN_SECONDS: '1', JWKS_CACHE_MAX_AGE_SECONDS: '1', JWT_CLOCK_TOLERANCE_SECONDS: '0' },
  });
  const first = stack.subgraph('auth');
  // A second auth process (a replica) on the same database.
  second = await startTestSubgraph(auth, {
    env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...AUTH_ENV },
    database: first.database,
  });
  processes = [first, second];
  signer = await openRoleDatabase(SIGNER_ROLE, first.database.signerUrl, first.database);
  settings = authConfigFromEnv(first.env as AuthEnv).signingKeys;
}, 120_000);
afterAll(async () => {
  await signer?.close();
  await second?.close();
  await stack?.stop();
});

const jwksKids = async (sg: TestSubgraph): Promise<string[]> => {
  const res = await fetch(new URL(JWKS_PATH, sg.url));
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
};
/** Logs the admin in at one auth process directly (as the router would forward it). */
const loginAt = async (sg: TestSubgraph): Promise<string> => {
  const res = await sg.exec<{ login: { accessToken: string } }>(ANONYMOUS, LOGIN, {
    email: 'admin@eventzr.com',
    password: DEV_PASSWORD,
  });
  const token = res.body.data?.login.accessToken;
  if (!token) throw new Error(`login failed: ${JSON.stringify(res.body)}`);
  return token;
};
const kidOf = (token: string) => decodeProtectedHeader(token).kid;
/** The router's answer to Me with `token`: the user's email, or the error code. */
const meAtRouter = async (token: string): Promise<string> => {
  const res = await stack.gql<{ me: { email: string } | null }>(web.get('Me')!, {}, { token });
  return res.body.data?.me?.email ?? String(res.body.errors?.[0]?.extensions?.code);
};
/** Polls `check` until it holds (bounded attempts, 100 ms apart); the state, not the time, is asserted. */
async function until(what: string, check: () => Promise<boolean>, attempts = 300): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}
const command = async (name: Parameters<typeof runKeyCommand>[0]) => {
  const lines: string[] = [];
  await runKeyCommand(name, signer, settings, { log: (l) => lines.push(l) });
  return lines;
};

describe('key rotation across two auth processes and the router', () => {
  it('publish → activate → retire: old tokens live until they expire, new ones are accepted, the old key leaves', async () => {
    // Before: one key, both processes sign with it and serve only it.
    const k0 = kidOf(await loginAt(processes[0]!))!;
    expect(kidOf(await loginAt(processes[1]!))).toBe(k0);
    for (const sg of processes) expect(await jwksKids(sg)).toEqual([k0]);
    const t0 = await loginAt(processes[1]!);

    // Publish: K1 is served by both, signs nothing yet; activating now is refused.
    const published = await command('publish');
    expect(published[0]).toMatch(/^published (\S+): in the JWKS now/);
    const k1 = /^published (\S+):/.exec(published[0]!)![1]!;
    expect(k1).not.toBe(k0);
    await expect(command('activate')).rejects.toMatchObject({ code: 'TOO_EARLY' });
    await expect(command('activate')).rejects.toBeInstanceOf(RotationError);
    for (const sg of processes) await until(`K1 in ${sg.url}'s JWKS`, async () => (await jwksKids(sg)).includes(k1));
    for (const sg of processes) {
      expect(await jwksKids(sg)).toEqual([k0, k1]);
      expect(kidOf(await loginAt(sg))).toBe(k0);
    }
    const status = (await command('status')).join('\n');
    expect(status).toMatch(new RegExp(`active +${k0}`));
    expect(status).toMatch(new RegExp(`next +${k1}`));

    // Activate (rotate keeps the published key, waits out its publish time, then activates).
    const rotated = (await command('rotate')).join('\n');
    expect(rotated).toMatch(new RegExp(`kept the already published ${k1}`));
    expect(rotated).toMatch(new RegExp(`activated ${k1}; retired ${k0}`));
    // The router still accepts the token signed before the rotation (it had not seen it yet).
    expect(await meAtRouter(t0)).toBe('admin@eventzr.com');
    for (const sg of processes) await until(`${sg.url} signs with K1`, async () => kidOf(await loginAt(sg)) === k1);
    for (const sg of processes) expect(await jwksKids(sg)).toEqual([k0, k1]);
    // New tokens from each process, and through the router's own login, are accepted.
    expect(await meAtRouter(await loginAt(processes[0]!))).toBe('admin@eventzr.com');
    expect(await meAtRouter(await loginAt(processes[1]!))).toBe('admin@eventzr.com');
    const viaRouter = (await stack.login('admin@eventzr.com')).accessToken;
    expect(kidOf(viaRouter)).toBe(k1);
    expect(await meAtRouter(viaRouter)).toBe('admin@eventzr.com');

    // A K0 token the router never saw, valid for an hour (made from the retired key's private half,
    // as a process with a stale cache could have): accepted while K0 is published...
    const [row] = await signer.run((tx) => tx.select().from(signingKeys).where(eq(signingKeys.kid, k0)));
    const k0Private = await importPKCS8(row!.privateKey, 'RS256');
    const { exp: _exp, iat: _iat, iss: _iss, aud: _aud, ...claims } = decodeJwt(t0);
    const lateK0 = () =>
      new SignJWT({ ...claims, jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'RS256', kid: k0, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(k0Private);
    expect(await meAtRouter(await lateK0())).toBe('admin@eventzr.com');

    // Grace: K0 leaves both JWKS (ACCESS_TOKEN_TTL + tolerance + cache after retiring), and the
    // router drops it within its JWKS cache time.
    for (const sg of processes)
      await until(`K0 out of ${sg.url}'s JWKS`, async () => !(await jwksKids(sg)).includes(k0), 400);
    for (const sg of processes) expect(await jwksKids(sg)).toEqual([k1]);
    await until('the router refuses a K0 token', async () => {
      return (await meAtRouter(await lateK0())) === 'UNAUTHENTICATED';
    });
    expect(await meAtRouter(t0)).toBe('UNAUTHENTICATED');
    expect(await meAtRouter(await loginAt(processes[1]!))).toBe('admin@eventzr.com');

    // Prune deletes the retired key (private half included); status shows K1 alone.
    expect(await command('prune')).toEqual([`deleted ${k0}`]);
    expect(await command('status')).toEqual([
      expect.stringMatching(/^database time /),
      expect.stringMatching(new RegExp(`^active +${k1} `)),
    ]);
  });
});
