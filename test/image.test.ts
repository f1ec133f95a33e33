// The Dockerfile, checked without a Docker engine: it finds the workspace manifests by glob (so a
// registered subgraph needs no edit there), installs from the lock file before copying the source,
// and runs as a non-root user in production mode. The manifest stage's shell command is run here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRegistry, ROOT } from '../lib/src/registry.ts';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Instructions with their continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** The instructions of each stage, in order. */
const stages = instructions.reduce<string[][]>((acc, line) => {
  if (/^FROM\s/i.test(line)) acc.push([]);
  acc.at(-1)?.push(line);
  return acc;
}, []);

const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] })
  .workspaces;
/** npm's workspace globs as used here: `*` is one path segment. */
const inWorkspaces = (folder: string) =>
  workspaces.some((w) =>
    new RegExp(`^${w.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`).test(folder),
  );

describe('Dockerfile', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'image-manifests-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is one production image, run as the non-root node user, from a manifest stage and an install stage', () => {
    expect(stages).toHaveLength(2);
    const [manifests, image] = stages as [string[], string[]];
    expect(manifests[0]).toMatch(/^FROM node:\S+ AS manifests$/i);
    expect(image[0]).toMatch(/^FROM node:\S+$/i);
    expect(image).toContain('ENV NODE_ENV=production');
    expect(image.at(-1)).toBe('USER node');
    // Dependencies first (cached while no manifest changes), then the source.
    const order = [
      'COPY --from=manifests /manifests/ ./',
      'COPY package-lock.json ./',
      'RUN npm ci --no-audit --no-fund',
      'COPY . .',
    ];
    const positions = order.map((i) => image.indexOf(i));
    expect(
      positions.every((p) => p >= 0),
      `${image.join('\n')}\nlacks one of ${order.join(', ')}`,
    ).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('names no subgraph: every registered subgraph is a workspace by glob', () => {
    expect(dockerfile).not.toMatch(/subgraphs\/[a-z]/);
    for (const s of readRegistry().subgraphs) {
      const folder = relative(ROOT, s.dir);
      expect(inWorkspaces(folder), `${folder} is not matched by package.json workspaces ${workspaces.join(', ')}`).toBe(
        true,
      );
    }
  });

  it("extracts every workspace's package.json and none from node_modules (its RUN command, run here)", () => {
    const run = stages[0]!.find((i) => i.startsWith('RUN '))!.slice('RUN '.length);
    // The stage copies the build context to its WORKDIR; here the repository is the context.
    const out = join(scratch, 'manifests');
    execFileSync('sh', ['-c', run.replaceAll('/manifests', out)], { cwd: ROOT });
    const found = execFileSync('find', ['.', '-type', 'f'], { cwd: out, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((p) => p.replace(/^\.\//, ''));
    expect(found.every((p) => p.endsWith('package.json'))).toBe(true);
    expect(found.some((p) => p.includes('node_modules'))).toBe(false);
    const expected = [
      'package.json',
      ...workspaces.filter((w) => !w.includes('*')).map((w) => `${w}/package.json`),
      ...readRegistry().subgraphs.map((s) => `${relative(ROOT, s.dir)}/package.json`),
    ];
    expect(found).toEqual(expect.arrayContaining(expected));
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps installed modules, local data and secrets out of the image, but not the example', () => {
    for (const pattern of ['node_modules', '**/node_modules', '.data', '.git', '.env'])
      expect(ignored).toContain(pattern);
    expect(ignored).toContain('!.env.example');
  });
});
