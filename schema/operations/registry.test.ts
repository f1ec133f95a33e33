// The registry starts from the client contract: every contract operation the supergraph serves
// today is registered for its client, exactly as the contract writes it, and nothing else is.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readRegistry, registryFiles } from '../check/operations.ts';
import { composedPaths, readRegistry as readSubgraphRegistry } from '../../lib/src/registry.ts';
import { OPERATIONS_DIR, ROOT } from '../subgraphs.ts';

const API_SCHEMA_PATH = composedPaths(readSubgraphRegistry()).api;

const CONTRACT = { 'eventzr-web': 'operations.graphql', 'eventzr-jobs-worker': 'internal.graphql' } as const;

const operationsOf = (source: string) =>
  new Map(
    parse(source)
      .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((d) => [d.name!.value, print(d)]),
  );

describe('the operation registry', () => {
  const { operations, problems } = readRegistry(registryFiles(OPERATIONS_DIR, ROOT));
  const api = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));

  it('has one well-formed file per client', () => {
    expect(problems).toEqual([]);
    expect(new Set(operations.map((o) => o.client))).toEqual(new Set(Object.keys(CONTRACT)));
  });

  it.each(Object.entries(CONTRACT))('registers every served contract operation of %s, as written', (client, file) => {
    const contract = operationsOf(readFileSync(join(ROOT, 'test/contract', file), 'utf8'));
    const served = [...contract].filter(([, op]) => validate(api, parse(op)).length === 0).map(([name]) => name);
    const registered = operations.filter((o) => o.client === client);
    expect(registered.map((o) => o.name).sort()).toEqual(served.sort());
    for (const op of registered) expect(print(op.document.definitions[0]!), op.name).toBe(contract.get(op.name));
  });
});
