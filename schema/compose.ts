// `npm run schema:compose`: composes every subgraph of the registry (schema/supergraph.yaml, or
// SUBGRAPH_REGISTRY) with @apollo/composition and writes what is committed next to it:
//  - schema/supergraph.graphql, what the router serves (it never introspects subgraphs at start);
//  - schema/api.graphql, the public API schema clients see and registered operations validate
//    against;
//  - schema/access.json, every subgraph's shield rule per field (see access.ts).
// Errors and hints are printed with their code, subgraph and file:line:column.
// `--check` composes without writing and fails when a committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { getLocation, parse, printSchema, Source, type ASTNode, type GraphQLError } from 'graphql';
import { composedPaths, displayPath, readRegistry, type Registry } from '../lib/src/registry.ts';
import { loadSubgraphModule } from '../lib/src/subgraph.ts';
import { accessManifest, type AccessManifest, type ShieldTree } from './access.ts';

export interface SubgraphInput {
  name: string;
  url: string;
  sdl: string;
  /** Shown in locations, e.g. subgraphs/jobs/schema.graphql. */
  file: string;
}

export interface Location {
  subgraph?: string;
  file: string;
  line: number;
  column: number;
}

export interface Diagnostic {
  code: string;
  message: string;
  locations: Location[];
}

export interface Composition {
  /** Absent when composition failed. */
  supergraphSdl?: string;
  apiSdl?: string;
  errors: Diagnostic[];
  hints: Diagnostic[];
}

function locationsOf(nodes: readonly ASTNode[] | ASTNode | undefined, files: Map<string, string>): Location[] {
  const list: readonly ASTNode[] = nodes === undefined ? [] : Array.isArray(nodes) ? nodes : [nodes as ASTNode];
  const out: Location[] = [];
  for (const n of list) {
    // Point at the name (a definition's location starts at its description).
    const loc = ('name' in n && n.name?.loc) || n.loc;
    if (!loc) continue;
    const { line, column } = getLocation(loc.source, loc.start);
    const subgraph = files.get(loc.source.name);
    out.push({ ...(subgraph ? { subgraph } : {}), file: loc.source.name, line, column });
  }
  return out;
}

/** Parses one subgraph's SDL; a syntax error becomes a diagnostic with its location. */
function parseSubgraph(s: SubgraphInput) {
  try {
    return { doc: parse(new Source(s.sdl, s.file)) };
  } catch (err) {
    const e = err as GraphQLError;
    const [loc] = e.locations ?? [];
    return {
      error: {
        code: 'GRAPHQL_PARSE_FAILED',
        message: `[${s.name}] ${e.message}`,
        locations: loc ? [{ subgraph: s.name, file: s.file, line: loc.line, column: loc.column }] : [],
      } satisfies Diagnostic,
    };
  }
}

export function composeSubgraphs(subgraphs: readonly SubgraphInput[]): Composition {
  const files = new Map(subgraphs.map((s) => [s.file, s.name]));
  const parsed = subgraphs.map((s) => ({ s, ...parseSubgraph(s) }));
  const parseErrors = parsed.flatMap((p) => (p.error ? [p.error] : []));
  if (parseErrors.length > 0) return { errors: parseErrors, hints: [] };

  const result = composeServices(parsed.map(({ s, doc }) => ({ name: s.name, url: s.url, typeDefs: doc! })));
  const hints = (result.hints ?? []).map((h) => ({
    code: h.definition.code,
    message: h.message,
    locations: locationsOf(h.nodes, files),
  }));
  if (result.errors) {
    const errors = result.errors.map((e) => ({
      code: String(e.extensions?.code ?? 'COMPOSITION_ERROR'),
      message: e.message,
      locations: locationsOf(e.nodes ?? undefined, files),
    }));
    return { errors, hints };
  }
  const apiSdl = printSchema(result.schema.toAPISchema().toGraphQLJSSchema()) + '\n';
  return { supergraphSdl: result.supergraphSdl, apiSdl, errors: [], hints };
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.locations
    .map((l) => `${l.file}:${l.line}:${l.column}${l.subgraph ? ` (subgraph ${l.subgraph})` : ''}`)
    .join(', ');
  return `${d.code}: ${d.message}${where ? `\n    at ${where}` : ''}`;
}

/** The registry's subgraphs with their SDL. */
export function registrySubgraphs(registry: Registry = readRegistry()): SubgraphInput[] {
  return registry.subgraphs.map((s) => ({
    name: s.name,
    url: s.url,
    sdl: readFileSync(s.schemaPath, 'utf8'),
    file: s.schemaFile,
  }));
}

/** Every registered subgraph's permission tree (its module's `permissions`). */
export async function registryTrees(registry: Registry = readRegistry()): Promise<Record<string, ShieldTree>> {
  const trees: Record<string, ShieldTree> = {};
  for (const s of registry.subgraphs) trees[s.name] = (await loadSubgraphModule(s)).permissions;
  return trees;
}

export const printAccess = (m: AccessManifest) => JSON.stringify(m, null, 2) + '\n';

/** The files `schema:compose` writes next to the registry, with what a fresh composition would write. */
export async function composedFiles(
  registry: Registry = readRegistry(),
): Promise<{ composition: Composition; files: { path: string; fresh: string }[] }> {
  const subgraphs = registrySubgraphs(registry);
  const composition = composeSubgraphs(subgraphs);
  if (!composition.supergraphSdl || !composition.apiSdl) return { composition, files: [] };
  const paths = composedPaths(registry);
  return {
    composition,
    files: [
      { path: paths.supergraph, fresh: composition.supergraphSdl },
      { path: paths.api, fresh: composition.apiSdl },
      { path: paths.access, fresh: printAccess(accessManifest(subgraphs, await registryTrees(registry))) },
    ],
  };
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const check = process.argv.includes('--check');
  const registry = readRegistry();
  const { composition, files } = await composedFiles(registry);
  for (const h of composition.hints) console.warn(`hint: ${formatDiagnostic(h)}`);
  if (composition.errors.length > 0) {
    for (const e of composition.errors) console.error(`error: ${formatDiagnostic(e)}`);
    console.error(`composition failed with ${composition.errors.length} error(s)`);
    process.exit(1);
  }
  const stale = files.filter((f) => readIfExists(f.path) !== f.fresh).map((f) => displayPath(f.path));
  if (check) {
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}: run \`npm run schema:compose\` and commit the result`);
      process.exit(1);
    }
    console.log(`${files.map((f) => displayPath(f.path)).join(', ')} are up to date`);
  } else {
    for (const f of files) writeFileSync(f.path, f.fresh);
    console.log(
      `composed ${registry.subgraphs.map((s) => s.name).join(', ')}: wrote ${files.map((f) => displayPath(f.path)).join(', ')}`,
    );
  }
}
