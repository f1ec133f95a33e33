// The platform's client contract (shared/contract/*.graphql in the steering repository) as the
// operation registry pins it: schema/operations/contract.json records a SHA-256 of each contract
// file and of each operation in it (printed), so a fresh clone, without the contract beside it,
// still proves every registered contract operation is the contract's, as written; and wherever the
// contract is present, that the pin is current. The registry itself holds the operations' text.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { OPERATIONS_DIR } from './operations.ts';
import { ROOT } from './registry.ts';

export const CONTRACT_LOCK_PATH = join(OPERATIONS_DIR, 'contract.json');
/** Where the steering repository's contract is, when it sits beside this repository. */
export const CONTRACT_DIR = join(ROOT, '..', 'shared', 'contract');

/** Which client sends each contract file's operations. */
export const CONTRACT_CLIENTS = {
  'operations.graphql': 'eventzr-web',
  'internal.graphql': 'eventzr-jobs-worker',
} as const;
export type ContractFile = keyof typeof CONTRACT_CLIENTS;

export interface ContractLock {
  source: string;
  files: Record<ContractFile, { client: string; sha256: string; operations: Record<string, string> }>;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The named operations of a contract text, printed (the form the registry is compared in). */
export function contractOperations(source: string): Map<string, string> {
  return new Map(
    parse(source)
      .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && !!d.name)
      .map((d) => [d.name!.value, print(d)]),
  );
}

/** The pin of the contract in `dir`. */
export function lockOf(dir = CONTRACT_DIR): ContractLock {
  const files = Object.fromEntries(
    (Object.keys(CONTRACT_CLIENTS) as ContractFile[]).map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const operations = Object.fromEntries([...contractOperations(text)].map(([name, op]) => [name, sha256(op)]));
      return [file, { client: CONTRACT_CLIENTS[file], sha256: sha256(text), operations }];
    }),
  ) as ContractLock['files'];
  return { source: 'shared/contract in the platform steering repository (npm run contract:lock)', files };
}

export const readLock = (): ContractLock => JSON.parse(readFileSync(CONTRACT_LOCK_PATH, 'utf8')) as ContractLock;
export const contractPresent = (dir = CONTRACT_DIR): boolean =>
  (Object.keys(CONTRACT_CLIENTS) as ContractFile[]).every((f) => existsSync(join(dir, f)));
