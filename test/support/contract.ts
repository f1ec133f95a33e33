// The client contract (test/contract: a verbatim copy of the platform's operations), read once,
// by operation name. End-to-end tests send these through the router; subgraph tests send the
// same text (or the part the router's plan sends to that subgraph) to the subgraph itself.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTRACT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'contract');
const cache = new Map<string, Map<string, string>>();

/** The named operations of a contract file, as written (comment lines dropped). */
export function contractOperations(file: 'operations.graphql' | 'internal.graphql'): Map<string, string> {
  let ops = cache.get(file);
  if (ops) return ops;
  const text = readFileSync(join(CONTRACT_DIR, file), 'utf8');
  ops = new Map<string, string>();
  // Each operation starts at a line beginning with query/mutation and runs to the next one.
  const starts = [...text.matchAll(/^(query|mutation) (\w+)/gm)];
  starts.forEach((m, i) => {
    const end = starts[i + 1]?.index ?? text.length;
    ops!.set(
      m[2]!,
      text
        .slice(m.index, end)
        .replace(/\n#[^\n]*/g, '\n')
        .trim(),
    );
  });
  cache.set(file, ops);
  return ops;
}

/** One contract operation by name, from either file; throws for a name the contract lacks. */
export function contractOperation(name: string): string {
  const op = contractOperations('operations.graphql').get(name) ?? contractOperations('internal.graphql').get(name);
  if (!op) throw new Error(`the contract has no operation named ${name}`);
  return op;
}
