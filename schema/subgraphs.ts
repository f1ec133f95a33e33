// The subgraphs the supergraph is composed from, read from schema/supergraph.yaml (rover's format,
// the one list): each one's name (the router's audience for it), the URL the committed supergraph
// records (the router overrides it by env), where its SDL lives and its shield permission tree.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_DIR = join(ROOT, 'schema');
export const SUPERGRAPH_YAML = join(SCHEMA_DIR, 'supergraph.yaml');
export const SUPERGRAPH_PATH = join(SCHEMA_DIR, 'supergraph.graphql');
export const API_SCHEMA_PATH = join(SCHEMA_DIR, 'api.graphql');
export const ACCESS_PATH = join(SCHEMA_DIR, 'access.json');
export const OPERATIONS_DIR = join(SCHEMA_DIR, 'operations');
export const APPROVALS_PATH = join(SCHEMA_DIR, 'approvals.yaml');

const roverConfig = z.object({
  federation_version: z.string().regex(/^=?2(\.\d+){0,2}$/, 'a Federation 2 version, e.g. =2.14.4'),
  subgraphs: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, 'lowercase subgraph names'),
      z.object({
        routing_url: z.url(),
        schema: z.object({ file: z.string().min(1) }).strict(),
      }),
    )
    .refine((s) => Object.keys(s).length > 0, 'at least one subgraph'),
});

export interface SubgraphSource {
  name: string;
  url: string;
  /** Repository-relative path of the SDL, e.g. subgraphs/jobs/schema.graphql. */
  schemaPath: string;
  /** Repository-relative path of the module exporting its shield tree as `permissions`. */
  permissionsPath: string;
}

export function readSubgraphList(path = SUPERGRAPH_YAML): SubgraphSource[] {
  const parsed = roverConfig.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${relative(ROOT, path)} is invalid: ${problems.join('; ')}`);
  }
  return Object.entries(parsed.data.subgraphs).map(([name, s]) => {
    const schemaPath = relative(ROOT, resolve(dirname(path), s.schema.file));
    // Every subgraph has the same layout (subgraphs/<name>/schema.graphql, src/permissions.ts).
    return { name, url: s.routing_url, schemaPath, permissionsPath: join(dirname(schemaPath), 'src/permissions.ts') };
  });
}

export const SUBGRAPHS: readonly SubgraphSource[] = readSubgraphList();

export function readSubgraphSdl(schemaPath: string): string {
  return readFileSync(join(ROOT, schemaPath), 'utf8');
}
