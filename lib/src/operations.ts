// The operation registry: schema/operations/<client>.graphql, one file per client, each starting
// with `# client: <name>` (the file's name): every operation a client sends, by name. The schema
// check validates them against every change (schema/check); tests send them as written.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { ROOT } from './registry.ts';

/** Where client teams register their operations. */
export const OPERATIONS_DIR = join(ROOT, 'schema', 'operations');

export interface RegistryFile {
  /** Repository-relative path, for the report. */
  file: string;
  source: string;
}

export interface RegisteredOperation {
  client: string;
  file: string;
  name: string;
  line: number;
  /** The operation with the fragments it spreads. */
  document: DocumentNode;
}

export interface RegistryProblem {
  file: string;
  line?: number;
  message: string;
}

/** Every `<client>.graphql` of a registry directory, sorted, with paths relative to `root`. */
export function registryFiles(dir: string, root: string): RegistryFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => ({ file: relative(root, join(dir, f)), source: readFileSync(join(dir, f), 'utf8') }));
}

const CLIENT_TAG = /^#\s*client:\s*([a-z0-9][a-z0-9._-]*)\s*$/m;

export function readOperationRegistry(files: readonly RegistryFile[]): {
  operations: RegisteredOperation[];
  problems: RegistryProblem[];
} {
  const operations: RegisteredOperation[] = [];
  const problems: RegistryProblem[] = [];
  const clients = new Map<string, string>();
  for (const { file, source } of files) {
    const client = CLIENT_TAG.exec(source)?.[1];
    const expected = basename(file, '.graphql');
    if (!client) {
      problems.push({ file, message: `no \`# client: ${expected}\` line: every registry file names its client` });
      continue;
    }
    if (client !== expected)
      problems.push({ file, message: `tagged client ${client}, but the file is named ${expected}` });
    const other = clients.get(client);
    if (other) problems.push({ file, message: `client ${client} is already registered by ${other}` });
    clients.set(client, file);

    let doc: DocumentNode;
    try {
      doc = parse(source);
    } catch (err) {
      const e = err as { message: string; locations?: { line: number }[] };
      problems.push({ file, line: e.locations?.[0]?.line, message: e.message });
      continue;
    }
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const names = new Set<string>();
    for (const d of doc.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const line = d.loc?.startToken.line ?? 0;
      if (!d.name) {
        problems.push({ file, line, message: 'an anonymous operation: registered operations are named' });
        continue;
      }
      if (names.has(d.name.value))
        problems.push({ file, line, message: `operation ${d.name.value} is registered twice` });
      names.add(d.name.value);
      operations.push({ client, file, name: d.name.value, line, document: withFragments(d, fragments) });
    }
    if (names.size === 0) problems.push({ file, message: 'registers no operation' });
  }
  return { operations, problems };
}

function withFragments(op: OperationDefinitionNode, all: Map<string, FragmentDefinitionNode>): DocumentNode {
  const used = new Map<string, FragmentDefinitionNode>();
  const walk = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const f = all.get(spread.name.value);
        if (f && !used.has(f.name.value)) {
          used.set(f.name.value, f);
          walk(f);
        }
      },
    });
  walk(op);
  return { kind: Kind.DOCUMENT, definitions: [op, ...used.values()] };
}

const cache = new Map<string, Map<string, RegisteredOperation>>();

/** The registered operations of `client` (or of every client), by name; read once. */
export function registeredOperations(client?: string): Map<string, RegisteredOperation> {
  const key = client ?? '*';
  let ops = cache.get(key);
  if (!ops) {
    const { operations, problems } = readOperationRegistry(registryFiles(OPERATIONS_DIR, ROOT));
    if (problems.length > 0)
      throw new Error(`the operation registry is invalid: ${problems.map((p) => p.message).join('; ')}`);
    ops = new Map(operations.filter((o) => client === undefined || o.client === client).map((o) => [o.name, o]));
    cache.set(key, ops);
  }
  return ops;
}

/** A registered operation's text (with the fragments it uses), as its client sends it. */
export function registeredOperation(name: string, client?: string): string {
  const op = registeredOperations(client).get(name);
  if (!op) throw new Error(`no registered operation ${name}${client ? ` of ${client}` : ''}`);
  return print(op.document);
}
