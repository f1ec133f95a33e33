// The registry starts from the client contract: every contract operation the supergraph serves is
// registered for its client exactly as the contract writes it, and nothing else is. The contract
// is pinned in contract.json (a hash per file and per operation), so a fresh clone without the
// steering repository still proves the registered operations are the contract's; where the
// contract is present, the pin is checked against it and every served operation must be registered.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, print, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_CLIENTS,
  CONTRACT_DIR,
  contractOperations,
  contractPresent,
  lockOf,
  readLock,
  sha256,
  type ContractFile,
} from '../../lib/src/contract.ts';
import { composedPaths, readRegistry as readSubgraphRegistry } from '../../lib/src/registry.ts';
import { readRegistry, registryFiles } from '../check/operations.ts';
import { OPERATIONS_DIR, ROOT } from '../subgraphs.ts';

const API_SCHEMA_PATH = composedPaths(readSubgraphRegistry()).api;
const files = Object.entries(CONTRACT_CLIENTS) as [ContractFile, string][];

describe('the operation registry', () => {
  const { operations, problems } = readRegistry(registryFiles(OPERATIONS_DIR, ROOT));
  const lock = readLock();

  it('has one well-formed file per client', () => {
    expect(problems).toEqual([]);
    expect(new Set(operations.map((o) => o.client))).toEqual(new Set(Object.values(CONTRACT_CLIENTS)));
  });

  it.each(files)("registers %s's operations exactly as the pinned contract writes them", (file, client) => {
    const pinned = lock.files[file];
    expect(pinned.client).toBe(client);
    const registered = operations.filter((o) => o.client === client);
    expect(registered.length).toBeGreaterThan(0);
    for (const op of registered)
      expect(sha256(print(op.document.definitions[0]!)), `${client} ${op.name}`).toBe(pinned.operations[op.name]);
  });

  it.runIf(contractPresent())('pins the contract as it is now (../shared/contract)', () => {
    expect(readLock()).toEqual(lockOf(CONTRACT_DIR));
  });

  it.runIf(contractPresent()).each(files)(
    'registers every contract operation of %s the supergraph serves (../shared/contract)',
    (file, client) => {
      const api = buildSchema(readFileSync(API_SCHEMA_PATH, 'utf8'));
      const contract = contractOperations(readFileSync(join(CONTRACT_DIR, file), 'utf8'));
      const served = [...contract].filter(([, op]) => validate(api, parse(op)).length === 0).map(([name]) => name);
      expect(
        operations
          .filter((o) => o.client === client)
          .map((o) => o.name)
          .sort(),
      ).toEqual(served.sort());
    },
  );
});
