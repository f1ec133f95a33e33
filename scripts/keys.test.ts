// `npm run keys`: its two lines are a working Ed25519 pair as the router and a subgraph read them
// (production rules on), and --write fills a .env without touching its other lines.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClaimsSigner, createClaimsVerifier, operationHash, ClaimsTokenError } from '../lib/src/claims.ts';
import { inheritedEnv, parseConfig, subgraphEnvSchema } from '../lib/src/config.ts';
import { ROOT } from '../lib/src/registry.ts';
import { routerEnvSchema } from '../router/src/config.ts';
import { generateClaimsKeyPair, KeysError, mergeIntoEnvFile } from './keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
    cwd: ROOT,
    env: inheritedEnv(),
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );

/** A .env file's assignments as docker compose reads them (single quotes: the value literally). */
function readEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(?:'([^']*)'|(.*))$/.exec(line);
    if (m) out[m[1]!] = m[2] ?? m[3]!.replace(/\s+#.*$/, '').trim();
  }
  return out;
}

/** Signs with the router's configuration and verifies with a subgraph's, both from `env` (production). */
async function roundTrip(env: Record<string, string>) {
  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db/jobs' };
  const router = parseConfig(routerEnvSchema, {
    ...production,
    ROUTER_CLAIMS_PRIVATE_KEY: env.ROUTER_CLAIMS_PRIVATE_KEY,
  });
  const subgraph = parseConfig(subgraphEnvSchema({ X: z.string().optional().describe('x') }), {
    ...production,
    ROUTER_CLAIMS_PUBLIC_KEY: env.ROUTER_CLAIMS_PUBLIC_KEY,
  });
  const opHash = operationHash('{ jobMetrics { queued } }', {});
  const token = await (
    await createClaimsSigner(router)
  ).sign({
    caller: { kind: 'internal', service: 'w' },
    audience: 'jobs',
    opHash,
    requestId: 'r',
  });
  return (await createClaimsVerifier(subgraph)).verify(token, { audience: 'jobs', opHash });
}

describe('npm run keys', () => {
  it('prints a working pair: the router signs with one line, a subgraph verifies with the other', async () => {
    const { code, stdout } = await run([]);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split('=')[0])).toEqual(['ROUTER_CLAIMS_PRIVATE_KEY', 'ROUTER_CLAIMS_PUBLIC_KEY']);
    const env = readEnv(stdout);
    expect(env.ROUTER_CLAIMS_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\\n.+\\n-----END PRIVATE KEY-----$/);
    expect(await roundTrip(env)).toEqual({ caller: { kind: 'internal', service: 'w' }, requestId: 'r' });
    // Each run is a new pair: another run's public key refuses this run's tokens.
    const other = readEnv((await run([])).stdout);
    expect(other.ROUTER_CLAIMS_PUBLIC_KEY).not.toBe(env.ROUTER_CLAIMS_PUBLIC_KEY);
    await expect(
      roundTrip({
        ROUTER_CLAIMS_PRIVATE_KEY: env.ROUTER_CLAIMS_PRIVATE_KEY!,
        ROUTER_CLAIMS_PUBLIC_KEY: other.ROUTER_CLAIMS_PUBLIC_KEY!,
      }),
    ).rejects.toThrow(ClaimsTokenError);
  });

  it('--write fills the placeholders of a .env, keeps every other line, and replaces a pair only with --force', async () => {
    const file = join(dir, '.env');
    const others = [
      '# my deployment',
      'POSTGRES_PASSWORD=hunter2-but-longer',
      'ROUTER_CLAIMS_PRIVATE_KEY=              # Ed25519 private key (from .env.example)',
      "INTERNAL_API_KEY='k-0123456789abcdef0123456789abcdef'",
      'ROUTER_CLAIMS_SECRET=ssssssssssssssssssssssssssssssssssssssss',
    ];
    writeFileSync(file, `${others.join('\n')}\n`);
    const first = await run(['--write', file]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/ROUTER_CLAIMS_SECRET, which NODE_ENV=production refuses/);
    const text = readFileSync(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    // The placeholder became the key in place; the public key was appended; nothing else moved.
    expect(lines.filter((l) => !l.startsWith('ROUTER_CLAIMS_P'))).toEqual(
      others.filter((l) => !l.startsWith('ROUTER_CLAIMS_P')),
    );
    expect(lines[2]).toMatch(/^ROUTER_CLAIMS_PRIVATE_KEY='-----BEGIN PRIVATE KEY-----/);
    expect(lines[5]).toMatch(/^ROUTER_CLAIMS_PUBLIC_KEY='-----BEGIN PUBLIC KEY-----/);
    expect(await roundTrip(readEnv(text))).toMatchObject({ requestId: 'r' });

    const again = await run(['--write', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /ROUTER_CLAIMS_PRIVATE_KEY and ROUTER_CLAIMS_PUBLIC_KEY already set; --force replaces/,
    );
    expect(readFileSync(file, 'utf8')).toBe(text);

    expect((await run(['--write', file, '--force'])).code).toBe(0);
    const rotated = readFileSync(file, 'utf8');
    expect(readEnv(rotated).ROUTER_CLAIMS_PUBLIC_KEY).not.toBe(readEnv(text).ROUTER_CLAIMS_PUBLIC_KEY);
    expect(rotated.split('\n').filter((l) => !l.startsWith('ROUTER_CLAIMS_P'))).toEqual(
      text.split('\n').filter((l) => !l.startsWith('ROUTER_CLAIMS_P')),
    );
    expect(await roundTrip(readEnv(rotated))).toMatchObject({ requestId: 'r' });
  });

  it('writes a new .env readable by its owner only', async () => {
    const file = join(dir, 'fresh.env');
    expect((await run(['--write', file])).code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Object.keys(readEnv(readFileSync(file, 'utf8')))).toEqual([
      'ROUTER_CLAIMS_PRIVATE_KEY',
      'ROUTER_CLAIMS_PUBLIC_KEY',
    ]);
  });

  it('bad input gets a reason: unknown options and --force alone (exit 2), a duplicate assignment dropped', async () => {
    expect(await run(['--frobnicate'])).toMatchObject({
      code: 2,
      stderr: 'keys: unknown option --frobnicate (known: --write FILE, --force)\n',
    });
    expect(await run(['--force'])).toMatchObject({ code: 2, stderr: 'keys: --force goes with --write\n' });
    const pair = await generateClaimsKeyPair();
    expect(() => mergeIntoEnvFile("ROUTER_CLAIMS_PUBLIC_KEY='x'\n", pair)).toThrow(KeysError);
    const merged = mergeIntoEnvFile('ROUTER_CLAIMS_PUBLIC_KEY=\nA=1\nROUTER_CLAIMS_PUBLIC_KEY=\n', pair);
    expect(merged.split('\n').filter((l) => l.startsWith('ROUTER_CLAIMS_PUBLIC_KEY='))).toHaveLength(1);
    expect(merged).toContain('\nA=1\n');
  });
});
