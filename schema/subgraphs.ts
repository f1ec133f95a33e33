// The subgraphs the supergraph is composed from: name (the router's audience for each), where its
// SDL lives, and the URL the committed supergraph records (the router overrides it by env).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const SUBGRAPHS = [
  { name: 'auth', url: 'http://127.0.0.1:4001/graphql', schemaPath: 'subgraphs/auth/schema.graphql' },
  { name: 'jobs', url: 'http://127.0.0.1:4002/graphql', schemaPath: 'subgraphs/jobs/schema.graphql' },
] as const;

export const SUPERGRAPH_PATH = join(ROOT, 'schema', 'supergraph.graphql');

export function readSubgraphSdl(schemaPath: string): string {
  return readFileSync(join(ROOT, schemaPath), 'utf8');
}
