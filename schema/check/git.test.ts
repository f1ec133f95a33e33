// The default base: the newest committed version of a file that differs from what composition
// writes now, read from a real (temporary) git repository.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAt, isShallow, newestDifferentVersion, revExists } from './git.ts';

describe('the base version from git history', () => {
  const dir = mkdtempSync(join(tmpdir(), 'schema-check-git-'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  const commit = (content: string, message: string) => {
    writeFileSync(join(dir, 'supergraph.graphql'), content);
    git('add', '.');
    git('commit', '-qm', message);
    return git('rev-parse', 'HEAD').trim();
  };
  let v1 = '';
  let v2 = '';
  beforeAll(() => {
    git('init', '-q');
    v1 = commit('v1', 'first');
    writeFileSync(join(dir, 'other.txt'), 'unrelated');
    git('add', '.');
    git('commit', '-qm', 'unrelated change');
    v2 = commit('v2', 'second');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('in CI (fresh composition = committed file): the version before the last change', () => {
    expect(newestDifferentVersion(dir, 'supergraph.graphql', 'v2')).toEqual({ rev: v1, content: 'v1' });
  });

  it('with local changes: the committed file', () => {
    expect(newestDifferentVersion(dir, 'supergraph.graphql', 'v3 (working tree)')).toEqual({ rev: v2, content: 'v2' });
  });

  it('when every version equals the fresh one: none', () => {
    expect(newestDifferentVersion(dir, 'other.txt', 'unrelated')).toBeUndefined();
  });

  it('reads a file at any revision, and knows revisions that do not exist', () => {
    expect(fileAt(dir, `${v2}~1`, 'supergraph.graphql')).toBe('v1');
    expect(fileAt(dir, v1, 'missing.graphql')).toBeUndefined();
    expect(revExists(dir, 'HEAD~2')).toBe(true);
    expect(revExists(dir, 'no-such-branch')).toBe(false);
    expect(isShallow(dir)).toBe(false);
  });
});
