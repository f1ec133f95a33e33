// The `npm run schema:check` command line on this repository: options, exit codes, JSON output.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckReport } from './check/engine.ts';
import { ROOT } from './subgraphs.ts';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'schema/check.ts', ...args],
      {
        cwd: ROOT,
        maxBuffer: 32 << 20,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('npm run schema:check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the report as JSON, with an exit code that follows it, against a --base revision', async () => {
    const file = join(dir, 'report.json');
    const { code, stdout } = await run('--base', 'HEAD', '--json', file);
    const report = JSON.parse(readFileSync(file, 'utf8')) as CheckReport;
    expect(report.base).toMatch(/^schema\/supergraph\.graphql at HEAD/);
    expect(report.subgraphs.length).toBeGreaterThan(0);
    expect(Object.keys(report.operations.clients)).toEqual(
      expect.arrayContaining(['eventzr-web', 'eventzr-jobs-worker']),
    );
    expect(code).toBe(report.ok ? 0 : 1);
    expect(stdout).toMatch(report.ok ? /Schema check passed/ : /Schema check FAILED/);
  });

  it('fails, rather than passing unchecked, when the base has no supergraph to compare with', async () => {
    const { stdout: first } = await promisify(execFile)('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: ROOT });
    const root = first.trim().split('\n').at(-1)!;
    const res = await run('--base', root, '--require-base');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/schema\/supergraph\.graphql does not exist there/);
  });

  it('refuses an unknown revision or option with exit code 2 and a reason', async () => {
    const bad = await run('--base', 'no-such-revision-anywhere');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--base no-such-revision-anywhere: no such git revision/);
    const unknown = await run('--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --frobnicate/);
  });
});
