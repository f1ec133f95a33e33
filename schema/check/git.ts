// The base a change is checked against, read from git: by default the newest committed version of
// a file that differs from what composition writes now (the committed file while the working tree
// has changes; the version before the last change in CI), or the file at any revision (--base).
import { execFileSync } from 'node:child_process';

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
  } catch {
    return undefined;
  }
}

/** The file at `rev`, or undefined when the revision or the file does not exist there. */
export function fileAt(root: string, rev: string, path: string): string | undefined {
  return git(root, ['show', `${rev}:${path}`]);
}

export function shortRev(root: string, rev: string): string {
  return git(root, ['rev-parse', '--short', rev])?.trim() ?? rev;
}

export function revExists(root: string, rev: string): boolean {
  return git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]) !== undefined;
}

/** The newest commit whose version of `path` differs from `current`, with that version. */
export function newestDifferentVersion(
  root: string,
  path: string,
  current: string,
): { rev: string; content: string } | undefined {
  const revs = git(root, ['log', '--format=%H', '--', path])?.split('\n').filter(Boolean) ?? [];
  for (const rev of revs) {
    const content = fileAt(root, rev, path);
    // A commit that deleted the file has no version of it.
    if (content !== undefined && content !== current) return { rev, content };
  }
  return undefined;
}

/** True when the clone holds only part of the history (CI's shallow clones). */
export function isShallow(root: string): boolean {
  return git(root, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true';
}
