// Guard for "one registry of subgraphs": no source or configuration file outside the registry
// (schema/supergraph.yaml) keeps its own list of subgraphs. A file that names two or more
// registered subgraphs (by folder, by database, or by a per-subgraph variable) is such a list, and
// would go stale when a subgraph is added; it must derive the names from the registry instead
// (lib/src/registry.ts), use a glob, or be generated and compared by `npm run schema:check`.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composedPaths, readRegistry, ROOT } from '../lib/src/registry.ts';
import { DEPLOY_PATHS } from '../scripts/generate-deploy.ts';

interface Subgraph {
  name: string;
  /** Its folder, relative to the repository root (subgraphs/<name>). */
  folder: string;
}

const registry = readRegistry();
const SUBGRAPHS: Subgraph[] = registry.subgraphs.map((s) => ({ name: s.name, folder: relative(ROOT, s.dir) }));

/** Source and configuration: what builds, deploys, runs or tests the system. Docs are not scanned. */
const SCANNED = /\.(?:[cm]?[jt]s|json|ya?ml|sh|sql)$|(?:^|\/)(?:Dockerfile[^/]*|\.dockerignore|\.env[^/]*)$|^\.ci\//;

/** Files allowed to name several subgraphs, and why. */
const EXEMPT: { why: string; test: (path: string) => boolean }[] = [
  { why: 'the registry itself', test: (p) => p === relative(ROOT, registry.path) },
  {
    why: 'generated from the registry and compared by npm run schema:check (deploy:generate, schema:compose, codegen)',
    test: (p) =>
      (Object.values(DEPLOY_PATHS) as string[]).includes(p) ||
      Object.values(composedPaths(registry)).some((c) => relative(ROOT, c) === p) ||
      /(?:^|\/)generated\//.test(p),
  },
  {
    why: "written by npm from package.json's workspaces glob; npm ci refuses a lock file that disagrees with it",
    test: (p) => basename(p) === 'package-lock.json',
  },
  {
    why: 'tests and their fixtures name the subgraphs they exercise; what runs or deploys the system is scanned',
    test: (p) => /\.test\.[cm]?[jt]s$/.test(p) || /(?:^|\/)__fixtures__\//.test(p),
  },
  { why: 'installed packages', test: (p) => /(?:^|\/)node_modules\//.test(p) },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The registered subgraphs `text` names, each with the first words that name it: its folder
 * (subgraphs/auth), its database (eventzr_auth), or a variable with its name as a segment that
 * ends in _URL or _PORT (SUBGRAPH_AUTH_URL, AUTH_SUBGRAPH_URL, AUTH_PORT, AUTH_DATABASE_URL).
 */
export function subgraphsNamed(text: string, subgraphs: readonly Subgraph[] = SUBGRAPHS): Map<string, string> {
  const found = new Map<string, string>();
  const variables = [...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:URL|PORT)\b/g)].map((m) => m[0]);
  for (const s of subgraphs) {
    const folder = new RegExp(`(?<![\\w-])${escape(s.folder)}(?![\\w-])`).exec(text);
    const database = new RegExp(`\\beventzr_${escape(s.name)}\\b`).exec(text);
    const segment = `_${s.name.toUpperCase()}_`;
    const variable = variables.find((v) => `_${v}_`.includes(segment));
    const evidence = folder?.[0] ?? database?.[0] ?? variable;
    if (evidence) found.set(s.name, evidence);
  }
  return found;
}

/** A list of subgraphs in `path`: two or more registered subgraphs other than the folder's own. */
export function listIn(path: string, text: string, subgraphs: readonly Subgraph[] = SUBGRAPHS): string[] {
  const own = subgraphs.find((s) => path.startsWith(`${s.folder}/`));
  const named = [...subgraphsNamed(text, subgraphs)].filter(([name]) => name !== own?.name);
  return named.length >= 2 ? named.map(([name, evidence]) => `${name} (${evidence})`) : [];
}

/** Tracked files plus new ones git does not ignore: a list added but not yet committed is caught too. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return [...new Set(out.split('\0').filter(Boolean))].sort();
}

const scannedFiles = () => repositoryFiles().filter((p) => SCANNED.test(p) && !EXEMPT.some((e) => e.test(p)));

describe('one registry of subgraphs', () => {
  it('no source or configuration file outside the registry lists subgraphs', () => {
    const lists = scannedFiles().flatMap((path) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, path), 'utf8');
      } catch {
        return []; // deleted in the work tree but still in the index
      }
      const named = listIn(path, text);
      return named.length > 0 ? [`${path}: ${named.join(', ')}`] : [];
    });
    expect(lists, 'derive these from the registry (lib/src/registry.ts), use a glob, or generate them').toEqual([]);
  });

  it('scans what builds, deploys and runs the system, and leaves out only what is exempt', () => {
    const scanned = scannedFiles();
    for (const path of [
      'Dockerfile',
      '.dockerignore',
      'package.json',
      'codegen.ts',
      'scripts/start.ts',
      'router/src/config.ts',
      'test/support/stack.ts',
      '.ci/run',
    ])
      expect(scanned).toContain(path);
    for (const path of ['schema/supergraph.yaml', ...Object.values(DEPLOY_PATHS), 'package-lock.json'])
      expect(scanned).not.toContain(path);
  });

  it('finds the lists the repository used to keep', () => {
    const flagged = (path: string, text: string) => listIn(path, text).map((n) => n.split(' ')[0]);
    const both = ['auth', 'jobs'];
    // A COPY per subgraph in the Dockerfile.
    expect(
      flagged(
        'Dockerfile',
        'COPY lib/package.json lib/\nCOPY subgraphs/auth/package.json subgraphs/auth/\nCOPY subgraphs/jobs/package.json subgraphs/jobs/\n',
      ),
    ).toEqual(both);
    // The workspaces written out one by one.
    expect(flagged('package.json', '{ "workspaces": ["lib", "router", "subgraphs/auth", "subgraphs/jobs"] }')).toEqual(
      both,
    );
    // The router's variables per subgraph, in any of their spellings.
    expect(
      flagged('router/src/config.ts', 'AUTH_SUBGRAPH_URL: optionalUrl,\n  JOBS_SUBGRAPH_URL: optionalUrl,'),
    ).toEqual(both);
    expect(flagged('scripts/start.ts', 'const ports = { auth: env.AUTH_PORT, jobs: env.JOBS_PORT };')).toEqual(both);
    // Relative paths count too (a codegen config naming each SDL).
    expect(
      flagged('codegen.ts', "schema: '../subgraphs/auth/schema.graphql',\nschema: './subgraphs/jobs/schema.graphql'"),
    ).toEqual(both);
    // A hand-written compose file or init script elsewhere.
    expect(
      flagged(
        'deploy/k8s/init.sql',
        'create database eventzr_auth owner eventzr_owner;\ncreate database eventzr_jobs owner eventzr_owner;',
      ),
    ).toEqual(both);
    expect(
      flagged('deploy/compose.prod.yml', 'SUBGRAPH_AUTH_URL: http://auth:4001/graphql\nSUBGRAPH_JOBS_URL: x'),
    ).toEqual(both);
    // Inside a subgraph's folder, naming two others is still a list.
    const three = [...SUBGRAPHS, { name: 'vault', folder: 'subgraphs/vault' }];
    expect(
      listIn('subgraphs/vault/src/x.ts', "import '../../auth/x';\n// see subgraphs/auth and subgraphs/jobs", three),
    ).toHaveLength(2);
  });

  it('lets pass what is not a list: one subgraph, its own folder, globs, patterns, look-alike names', () => {
    expect(listIn('bench/shield.ts', "import { subgraph } from '../subgraphs/jobs/src/subgraph.ts';")).toEqual([]);
    expect(listIn('subgraphs/jobs/src/x.ts', 'subgraphs/jobs/drizzle and subgraphs/auth/schema.graphql')).toEqual([]);
    expect(listIn('package.json', '{ "workspaces": ["lib", "router", "subgraphs/*"] }')).toEqual([]);
    expect(listIn('router/src/config.ts', 'SUBGRAPH_<NAME>_URL for each NAME; SUBGRAPH_JOBS_URL, e.g.')).toEqual([]);
    expect(
      listIn('router/src/x.ts', 'AUTHENTICATED_URL AUTH0_DOMAIN JOBSEEKER_PORT subgraphs/authz eventzr_jobs_archive'),
    ).toEqual([]);
  });
});
