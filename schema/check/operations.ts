// The operation registry: schema/operations/<client>.graphql, one file per client, each starting
// with `# client: <name>` (the file's name). Registered operations must validate against every new
// API schema, and a breaking change fails when one of them uses what it changes; `usageOf` lists
// the schema coordinates an operation depends on, in the path format @graphql-inspector reports
// changes with (`Type`, `Type.field`, `Type.field.argument`, `Input.field`, `Enum.VALUE`).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import {
  Kind,
  TypeInfo,
  getNamedType,
  isEnumType,
  isInputObjectType,
  parse,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

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

export function readRegistry(files: readonly RegistryFile[]): {
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

/** Validation errors of one operation against an API schema, one message each. */
export function validateOperation(schema: GraphQLSchema, op: RegisteredOperation): string[] {
  return validate(schema, op.document).map((e) => {
    const loc = e.locations?.[0];
    // Locations count from the registry file's first line, as the parse did.
    return loc ? `${e.message} (${op.file}:${loc.line}:${loc.column})` : e.message;
  });
}

/**
 * Every schema coordinate the operation depends on, resolved against `schema` (the base, where
 * the operation is valid). Conservative where a client's data decides: a variable of an input
 * type may carry any of its fields, and an enum the operation receives may hold any value.
 */
export function usageOf(schema: GraphQLSchema, op: RegisteredOperation): Set<string> {
  const used = new Set<string>();
  const seen = new Set<string>();
  const useWholeType = (type: GraphQLNamedType) => {
    used.add(type.name);
    if (seen.has(type.name)) return;
    seen.add(type.name);
    if (isEnumType(type)) for (const v of type.getValues()) used.add(`${type.name}.${v.name}`);
    if (isInputObjectType(type))
      for (const f of Object.values(type.getFields())) {
        used.add(`${type.name}.${f.name}`);
        useWholeType(getNamedType(f.type));
      }
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    op.document,
    visitWithTypeInfo(typeInfo, {
      OperationDefinition(node) {
        const root = schema.getRootType(node.operation);
        if (root) used.add(root.name);
      },
      Field(node) {
        const parent = typeInfo.getParentType();
        const def = typeInfo.getFieldDef();
        if (!parent || !def) return;
        used.add(parent.name);
        used.add(`${parent.name}.${node.name.value}`);
        const named = getNamedType(def.type);
        if (isEnumType(named)) useWholeType(named);
        else used.add(named.name);
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const arg = typeInfo.getArgument();
        if (!parent || !field || !arg) return;
        used.add(`${parent.name}.${field.name}.${node.name.value}`);
        const named = getNamedType(arg.type);
        // A literal input object uses the fields it writes (ObjectField below); a variable, all.
        if (node.value.kind === Kind.VARIABLE || isEnumType(named)) useWholeType(named);
        else used.add(named.name);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const named = parent ? getNamedType(parent) : undefined;
        if (!named) return;
        used.add(`${named.name}.${node.name.value}`);
        const fieldType = typeInfo.getInputType();
        if (fieldType && (node.value.kind === Kind.VARIABLE || isEnumType(getNamedType(fieldType))))
          useWholeType(getNamedType(fieldType));
      },
      VariableDefinition(node) {
        let t = node.type;
        while (t.kind !== Kind.NAMED_TYPE) t = t.type;
        const type = schema.getType(t.name.value);
        if (type) useWholeType(type);
      },
      InlineFragment(node) {
        if (node.typeCondition) used.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        used.add(node.typeCondition.name.value);
      },
    }),
  );
  return used;
}
