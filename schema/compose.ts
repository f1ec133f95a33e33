// `npm run schema:compose`: composes every subgraph listed in schema/supergraph.yaml with
// @apollo/composition and writes what is committed next to it:
//  - schema/supergraph.graphql, what the router serves (it never introspects subgraphs at start);
//  - schema/api.graphql, the public API schema clients see and registered operations validate
//    against;
//  - schema/access.json, every subgraph's shield rule per field (see access.ts).
// Errors and hints are printed with their code, subgraph and file:line:column.
// `--check` composes without writing and fails when a committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { composeServices } from '@apollo/composition';
import { getLocation, parse, printSchema, Source, type ASTNode, type GraphQLError } from 'graphql';
import { accessManifest, type AccessManifest, type ShieldTree } from './access.ts';
import {
  ACCESS_PATH,
  API_SCHEMA_PATH,
  ROOT,
  SUBGRAPHS,
  SUPERGRAPH_PATH,
  readSubgraphSdl,
  type SubgraphSource,
} from './subgraphs.ts';

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

/** The repository's subgraphs, as listed in schema/supergraph.yaml. */
export function repositorySubgraphs(list: readonly SubgraphSource[] = SUBGRAPHS): SubgraphInput[] {
  return list.map((s) => ({ name: s.name, url: s.url, sdl: readSubgraphSdl(s.schemaPath), file: s.schemaPath }));
}

/** Every repository subgraph's shield tree (the `permissions` its src/permissions.ts exports). */
export async function repositoryTrees(
  list: readonly SubgraphSource[] = SUBGRAPHS,
): Promise<Record<string, ShieldTree>> {
  const trees: Record<string, ShieldTree> = {};
  for (const s of list) {
    const mod = (await import(`${ROOT}/${s.permissionsPath}`)) as { permissions?: ShieldTree };
    if (!mod.permissions) throw new Error(`${s.permissionsPath} does not export \`permissions\``);
    trees[s.name] = mod.permissions;
  }
  return trees;
}

export const printAccess = (m: AccessManifest) => JSON.stringify(m, null, 2) + '\n';

/** The repository's supergraph (kept for the router tests and the e2e stack). */
export function composeSupergraph(): { supergraphSdl?: string; errors: string[]; hints: string[] } {
  const c = composeSubgraphs(repositorySubgraphs());
  return {
    supergraphSdl: c.supergraphSdl,
    errors: c.errors.map(formatDiagnostic),
    hints: c.hints.map(formatDiagnostic),
  };
}

/** The committed files `schema:compose` writes, with what a fresh composition would write. */
export async function composedFiles(): Promise<{ composition: Composition; files: { path: string; fresh: string }[] }> {
  const subgraphs = repositorySubgraphs();
  const composition = composeSubgraphs(subgraphs);
  if (!composition.supergraphSdl || !composition.apiSdl) return { composition, files: [] };
  return {
    composition,
    files: [
      { path: SUPERGRAPH_PATH, fresh: composition.supergraphSdl },
      { path: API_SCHEMA_PATH, fresh: composition.apiSdl },
      { path: ACCESS_PATH, fresh: printAccess(accessManifest(subgraphs, await repositoryTrees())) },
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
  const { composition, files } = await composedFiles();
  for (const h of composition.hints) console.warn(`hint: ${formatDiagnostic(h)}`);
  if (composition.errors.length > 0) {
    for (const e of composition.errors) console.error(`error: ${formatDiagnostic(e)}`);
    console.error(`composition failed with ${composition.errors.length} error(s)`);
    process.exit(1);
  }
  const stale = files.filter((f) => readIfExists(f.path) !== f.fresh).map((f) => relative(ROOT, f.path));
  if (check) {
    if (stale.length > 0) {
      console.error(`stale: ${stale.join(', ')}: run \`npm run schema:compose\` and commit the result`);
      process.exit(1);
    }
    console.log('schema/supergraph.graphql, api.graphql and access.json are up to date');
  } else {
    for (const f of files) writeFileSync(f.path, f.fresh);
    console.log(
      `composed ${SUBGRAPHS.map((s) => s.name).join(', ')}: wrote ${files.map((f) => relative(ROOT, f.path)).join(', ')}`,
    );
  }
}
