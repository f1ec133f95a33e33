// `npm run schema:compose`: composes every subgraph's SDL into schema/supergraph.graphql, the
// file the router serves (committed; the router never introspects subgraphs at start).
// `--check` composes without writing and fails when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readSubgraphSdl, SUBGRAPHS, SUPERGRAPH_PATH } from './subgraphs.ts';

export function composeSupergraph(): { supergraphSdl?: string; errors: string[]; hints: string[] } {
  const result = composeServices(
    SUBGRAPHS.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(readSubgraphSdl(s.schemaPath)) })),
  );
  const hints = (result.hints ?? []).map((h) => `${h.definition.code}: ${h.message}`);
  if (result.errors) {
    const errors = result.errors.map((e) => {
      const where = (e.nodes ?? [])
        .map((n) => (n.loc ? `${n.loc.source.name}:${n.loc.startToken.line}` : undefined))
        .filter(Boolean)
        .join(', ');
      return `${e.message}${where ? ` (${where})` : ''}`;
    });
    return { errors, hints };
  }
  return { supergraphSdl: result.supergraphSdl, errors: [], hints };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const check = process.argv.includes('--check');
  const { supergraphSdl, errors, hints } = composeSupergraph();
  for (const h of hints) console.warn(`hint: ${h}`);
  if (!supergraphSdl) {
    for (const e of errors) console.error(`error: ${e}`);
    console.error(`composition failed with ${errors.length} error(s)`);
    process.exit(1);
  }
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (committed !== supergraphSdl) {
      console.error('schema/supergraph.graphql is stale: run `npm run schema:compose` and commit it');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date');
  } else {
    writeFileSync(SUPERGRAPH_PATH, supergraphSdl);
    console.log(`wrote ${SUPERGRAPH_PATH} (${SUBGRAPHS.map((s) => s.name).join(', ')})`);
  }
}
