// Where schema governance keeps its files. The subgraph list itself is the registry
// (schema/supergraph.yaml, read by lib/registry.ts); composition writes next to it.
import { join } from 'node:path';
import { ROOT } from '../lib/src/registry.ts';

export { ROOT } from '../lib/src/registry.ts';
export { OPERATIONS_DIR } from '../lib/src/operations.ts';
export const APPROVALS_PATH = join(ROOT, 'schema', 'approvals.yaml');
