// `npm run subgraph -- <name>`: runs one registered subgraph (lib/bootstrap), the same way for
// every subgraph. The registry (schema/supergraph.yaml, or SUBGRAPH_REGISTRY) says where it is.
import { startSubgraph } from '../bootstrap.ts';
import { readRegistry } from '../registry.ts';
import { loadSubgraphModule } from '../subgraph.ts';

const name = process.argv[2];
try {
  const registry = readRegistry();
  const entry = registry.subgraphs.find((s) => s.name === name);
  if (!entry)
    throw new Error(
      `${name ? `no subgraph "${name}" in the registry` : 'name a subgraph'} (registered: ${registry.subgraphs
        .map((s) => s.name)
        .join(', ')})`,
    );
  await startSubgraph(await loadSubgraphModule(entry), entry);
} catch (err) {
  console.error(`[subgraph ${name ?? ''}] ${(err as Error).message}`);
  process.exit(1);
}
