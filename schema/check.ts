// `npm run schema:check [-- --base <git revision>] [-- --json [file]]`: the registry check CI runs
// on every submission (see schema/README.md). Gathers the inputs from the repository and git,
// runs schema/check/engine.ts, prints the report and exits 1 when the check fails.
//   --base REV    compare with schema/supergraph.graphql and access.json at REV (default: the newest
//                 committed version of each that differs from a fresh composition)
//   --require-base  fail when there is nothing to compare with (CI: the base is the merge base
//                 with the landed main, and a check without one would pass without checking)
//   --json        print the report as JSON instead of text
//   --json FILE   also write the JSON report to FILE (for a CI system to post on a pull request)
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import codegenConfig from '../codegen.ts';
import { deployArtifacts } from '../scripts/generate-deploy.ts';
import { composedPaths, readRegistry } from '../lib/src/registry.ts';
import { readIfExists, registrySubgraphs, registryTrees } from './compose.ts';
import { codegenArtifacts } from './check/codegen.ts';
import { runSchemaCheck, type Artifact, type Base } from './check/engine.ts';
import { fileAt, isShallow, newestDifferentVersion, revExists, shortRev } from './check/git.ts';
import { registryFiles } from './check/operations.ts';
import { formatReport } from './check/report.ts';
import { APPROVALS_PATH, OPERATIONS_DIR, ROOT } from './subgraphs.ts';

const subgraphRegistry = readRegistry();
const { supergraph: SUPERGRAPH_PATH, api: API_SCHEMA_PATH, access: ACCESS_PATH } = composedPaths(subgraphRegistry);

class UsageError extends Error {}

interface Args {
  base?: string;
  requireBase: boolean;
  json: boolean;
  jsonFile?: string;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { json: false, requireBase: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--base') {
      const rev = argv[++i];
      if (!rev || rev.startsWith('--')) throw new UsageError('--base needs a git revision');
      out.base = rev;
    } else if (arg.startsWith('--base=')) out.base = arg.slice('--base='.length);
    else if (arg === '--require-base') out.requireBase = true;
    else if (arg === '--json') {
      const next = argv[i + 1];
      if (next && !next.startsWith('--')) out.jsonFile = argv[++i];
      else out.json = true;
    } else if (arg.startsWith('--json=')) out.jsonFile = arg.slice('--json='.length);
    else throw new UsageError(`unknown option ${arg}`);
  }
  return out;
}

const rel = (p: string) => relative(ROOT, p);

/** The base: --base REV, or per file the newest committed version differing from the fresh one. */
function baseOf(rev: string | undefined, fresh: { supergraph: string; access?: string }): Base | undefined {
  const [sPath, aPath] = [rel(SUPERGRAPH_PATH), rel(ACCESS_PATH)];
  if (rev !== undefined) {
    if (!revExists(ROOT, rev)) throw new UsageError(`--base ${rev}: no such git revision`);
    const supergraph = fileAt(ROOT, rev, sPath);
    if (supergraph === undefined) throw new UsageError(`--base ${rev}: ${sPath} does not exist there`);
    return { label: `${sPath} at ${rev} (${shortRev(ROOT, rev)})`, supergraph, access: fileAt(ROOT, rev, aPath) };
  }
  const s = newestDifferentVersion(ROOT, sPath, fresh.supergraph);
  const a = fresh.access === undefined ? undefined : newestDifferentVersion(ROOT, aPath, fresh.access);
  if (!s && !a) return undefined;
  const labels = [s && `${sPath} at ${shortRev(ROOT, s.rev)}`, a && `${aPath} at ${shortRev(ROOT, a.rev)}`].filter(
    Boolean,
  );
  return { label: labels.join(', '), supergraph: s?.content, access: a?.content };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.base !== undefined && !revExists(ROOT, args.base))
    throw new UsageError(`--base ${args.base}: no such git revision`);
  const registry = registryFiles(OPERATIONS_DIR, ROOT);

  // Codegen refuses documents that do not validate; the check reports those operations itself.
  let generated: Artifact[] = [];
  let codegenError: string | undefined;
  try {
    generated = await codegenArtifacts(codegenConfig, ROOT);
  } catch (err) {
    codegenError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }

  // The deployment files (compose, Postgres init, .env.example) are generated from the same
  // registry: a subgraph added without `npm run deploy:generate` is a stale file like any other.
  let deployError: string | undefined;
  try {
    generated = [...generated, ...(await deployArtifacts(subgraphRegistry))];
  } catch (err) {
    deployError = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  }

  const report = await runSchemaCheck({
    subgraphs: registrySubgraphs(subgraphRegistry),
    trees: await registryTrees(subgraphRegistry),
    committed: {
      supergraph: readIfExists(SUPERGRAPH_PATH),
      api: readIfExists(API_SCHEMA_PATH),
      access: readIfExists(ACCESS_PATH),
    },
    generated,
    base: (fresh) => baseOf(args.base, fresh),
    registry,
    approvals: readIfExists(APPROVALS_PATH),
  });
  if (codegenError) {
    report.errors.push({ check: 'codegen', message: `npm run codegen fails: ${codegenError}` });
    report.ok = false;
  }
  if (deployError) {
    // CheckId is the engine's; a deployment file that cannot be generated cannot be up to date.
    report.errors.push({ check: 'stale', message: `npm run deploy:generate fails: ${deployError}` });
    report.ok = false;
  }
  if (!report.base && args.requireBase) {
    report.errors.push({
      check: 'base',
      message: 'no base supergraph to compare with (--require-base): pass --base <the merge base with main>',
    });
    report.ok = false;
  } else if (!report.base && isShallow(ROOT))
    report.warnings.push({
      check: 'base',
      message: 'shallow clone: no earlier supergraph to compare with (fetch more history or pass --base)',
    });

  const json = JSON.stringify(report, null, 2) + '\n';
  if (args.jsonFile) writeFileSync(args.jsonFile, json);
  process.stdout.write(args.json ? json : formatReport(report));
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`schema:check: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
