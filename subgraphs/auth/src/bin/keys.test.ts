// `npm run auth:keys` as an operator runs it: a process of its own on the embedded database
// (DATA_DIR), each step's outcome printed, a step that may not run now exiting non-zero.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inheritedEnv } from '@eventzr/lib/config';
import { ROOT } from '@eventzr/lib/registry';

const dataDir = mkdtempSync(join(tmpdir(), 'eventzr-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function keys(...args: string[]) {
  const env = {
    ...inheritedEnv(),
    NODE_ENV: 'test',
    // The embedded database, whatever the suite runs on.
    DATABASE_URL: '',
    DATABASE_SIGNER_URL: '',
    DATA_DIR: dataDir,
    SIGNING_KEYS_CACHE_SECONDS: '1',
    SIGNING_KEY_PUBLISH_WAIT_SECONDS: '1',
  };
  const run = spawnSync('npm', ['run', '--silent', 'auth:keys', '--', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

// One spawned run of the whole sequence (a fresh embedded database is slow to create: the other
// outcomes of each step are tested in-process, services/signing-keys.test.ts and
// test/key-rotation.test.ts), and the usage refusal.
describe('npm run auth:keys', () => {
  it('rotate on a fresh installation: publishes, waits its publish time, activates, prints the status', () => {
    const run = keys('rotate');
    expect(run.status, run.stderr).toBe(0);
    const kid = /^published (\S+); it signs from /m.exec(run.stdout)?.[1];
    expect(kid, run.stdout).toBeDefined();
    expect(run.stdout).toMatch(new RegExp(`^waiting \\d+ s for ${kid} to reach every verifier$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^activated ${kid}$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^active +${kid} +signing since `, 'm'));
  }, 240_000);

  it('refused: an unknown step (exit 2, usage)', () => {
    const unknown = keys('shuffle');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/usage: npm run auth:keys -- <status\|publish\|activate\|prune\|rotate>/);
  }, 120_000);
});
