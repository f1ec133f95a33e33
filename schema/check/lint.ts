// Lint rules over one subgraph's SDL: the conventions web app teams rely on (names, Relay
// connections, input/payload mutations, descriptions, entity keys), checked on the subgraph
// source rather than the supergraph so an issue points at the file and line a team edits.
// The SDL is only parsed, not built: composition reports invalid schemas, and a lint must still
// say something useful about a subgraph that does not compose yet.
import { isTypeExtensionNode, Kind, parse, print, Source } from 'graphql';
import type {
  ConstDirectiveNode,
  DocumentNode,
  FieldDefinitionNode,
  InputValueDefinitionNode,
  Location,
  NameNode,
  StringValueNode,
  TypeDefinitionNode,
  TypeExtensionNode,
  TypeNode,
} from 'graphql';
import { LIMITS_SPEC_DEFINITIONS } from '../../lib/src/limits-spec.ts';
import { LIMITS_LINT_RULES, lintDeclaredLimits, type LimitsRuleId } from './lint-limits.ts';

export type LintRuleId =
  | 'naming/type-pascal-case'
  | 'naming/field-camel-case'
  | 'naming/enum-value-upper-case'
  | 'pagination/connection'
  | 'mutation/input-payload'
  | 'docs/description'
  | 'entity/key'
  | LimitsRuleId;

export interface LintIssue {
  rule: LintRuleId;
  subgraph: string;
  /** Schema coordinate: `Type`, `Type.field`, `Type.field(arg:)` or `Enum.VALUE`. */
  coordinate: string;
  /** 1-based position of the offending name in the subgraph's SDL. */
  line: number;
  column: number;
  message: string;
}

export const LINT_RULES: Record<LintRuleId, string> = {
  'naming/type-pascal-case': 'Object, interface, union, enum, input and scalar type names are PascalCase (JobStatus).',
  'naming/field-camel-case': 'Field, input field and argument names are camelCase (createdAt).',
  'naming/enum-value-upper-case': 'Enum values are UPPER_CASE (DEAD_LETTERED).',
  'pagination/connection':
    'List fields of Query and of entities are XConnection { edges nodes pageInfo totalCount } with XEdge { cursor node }, ' +
    'taking the shared arguments first: Int, after: String, last: Int, before: String.',
  'mutation/input-payload': 'Every mutation takes exactly one argument, input: XInput!, and returns XPayload!.',
  'docs/description':
    'Every type (except Query/Mutation/Subscription), field, input field and enum value has a description.',
  'entity/key': 'Every object type with an id: ID! field (except roots, payloads, connections, edges) has a @key.',
  ...LIMITS_LINT_RULES,
};

type TypeKind = 'object' | 'interface' | 'union' | 'enum' | 'input' | 'scalar';
type TypeSystemTypeNode = TypeDefinitionNode | TypeExtensionNode;
type FieldContainerNode = Extract<TypeSystemTypeNode, { fields?: readonly FieldDefinitionNode[] }>;

const BUILT_IN_SCALARS = new Set(['Int', 'Float', 'String', 'Boolean', 'ID']);

const TYPE_PASCAL_CASE = /^[A-Z][A-Za-z0-9]*$/;
const FIELD_CAMEL_CASE = /^[a-z][A-Za-z0-9]*$/;
const ENUM_VALUE_UPPER_CASE = /^[A-Z][A-Z0-9_]*$/;

const PAGINATION_ARGUMENTS = [
  ['first', 'Int'],
  ['after', 'String'],
  ['last', 'Int'],
  ['before', 'String'],
] as const;
const PAGINATION_SIGNATURE = PAGINATION_ARGUMENTS.map(([name, type]) => `${name}: ${type}`).join(', ');

interface Context {
  subgraph: string;
  issues: LintIssue[];
  /** Every definition and extension of a type, in document order. */
  types: Map<string, TypeSystemTypeNode[]>;
  roots: { query: string; mutation: string; subscription: string };
  rootNames: Set<string>;
  federation: { key: Set<string>; inaccessible: Set<string> };
  /** Object and interface types that carry a @key on any of their definitions or extensions. */
  entities: Set<string>;
}

export function lintSubgraph(subgraph: string, sdl: string): LintIssue[] {
  // A GraphQLError with the subgraph's name as its source; the caller reports it.
  const document = parse(new Source(sdl, subgraph));
  const ctx = createContext(subgraph, document);

  checkNaming(ctx);
  checkPagination(ctx);
  checkMutations(ctx);
  checkDescriptions(ctx);
  checkEntityKeys(ctx);
  for (const i of lintDeclaredLimits(document, ctx.rootNames)) report(ctx, i.rule, i.coordinate, i.at, i.message);

  const seen = new Set<string>();
  return ctx.issues
    .filter((issue) => {
      // A type defined and extended in the same SDL would otherwise be reported once per node.
      const id = `${issue.rule}\u0000${issue.coordinate}\u0000${issue.message}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

function createContext(subgraph: string, document: DocumentNode): Context {
  const types = new Map<string, TypeSystemTypeNode[]>();
  const roots = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };
  const federation = federationDirectiveNames(document);

  for (const definition of document.definitions) {
    if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) {
      for (const operationType of definition.operationTypes ?? []) {
        roots[operationType.operation] = operationType.type.name.value;
      }
    } else if (kindOf(definition) !== undefined) {
      // The limits spec's own enum (limits__Scope) is checked against its definition by lint-limits.
      if (LIMITS_SPEC_DEFINITIONS.has((definition as TypeSystemTypeNode).name.value)) continue;
      const node = definition as TypeSystemTypeNode;
      const nodes = types.get(node.name.value) ?? [];
      nodes.push(node);
      types.set(node.name.value, nodes);
    }
  }

  const entities = new Set<string>();
  for (const [name, nodes] of types) {
    const kind = kindOf(nodes[0]!);
    if ((kind === 'object' || kind === 'interface') && nodes.some((n) => hasDirective(n, federation.key))) {
      entities.add(name);
    }
  }

  return {
    subgraph,
    issues: [],
    types,
    roots,
    rootNames: new Set([roots.query, roots.mutation, roots.subscription]),
    federation,
    entities,
  };
}

/**
 * The names federation's @key and @inaccessible go by in this SDL: the plain and namespaced
 * names always (Federation 1 SDL has no @link), plus whatever the federation @link renames them to.
 */
function federationDirectiveNames(document: DocumentNode): Context['federation'] {
  const key = new Set(['key', 'federation__key']);
  const inaccessible = new Set(['inaccessible', 'federation__inaccessible']);
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const url = argumentValue(directive, 'url');
      if (url?.kind !== Kind.STRING || !url.value.includes('specs.apollo.dev/federation/')) continue;
      const as = argumentValue(directive, 'as');
      const prefix = as?.kind === Kind.STRING ? as.value : 'federation';
      key.add(`${prefix}__key`);
      inaccessible.add(`${prefix}__inaccessible`);
      const imports = argumentValue(directive, 'import');
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        let name: string | undefined;
        let alias: string | undefined;
        if (entry.kind === Kind.STRING) {
          name = entry.value;
        } else if (entry.kind === Kind.OBJECT) {
          const nameField = entry.fields.find((f) => f.name.value === 'name')?.value;
          const asField = entry.fields.find((f) => f.name.value === 'as')?.value;
          name = nameField?.kind === Kind.STRING ? nameField.value : undefined;
          alias = asField?.kind === Kind.STRING ? asField.value : undefined;
        }
        const local = (alias ?? name)?.replace(/^@/, '');
        if (name === '@key' && local) key.add(local);
        if (name === '@inaccessible' && local) inaccessible.add(local);
      }
    }
  }
  return { key, inaccessible };
}

// --- naming ---------------------------------------------------------------------------------

function checkNaming(ctx: Context): void {
  for (const [typeName, nodes] of ctx.types) {
    if (typeName.startsWith('_')) continue;
    for (const node of nodes) {
      if (!TYPE_PASCAL_CASE.test(typeName)) {
        report(
          ctx,
          'naming/type-pascal-case',
          typeName,
          node.name,
          `Type ${typeName} is not PascalCase: rename it to ${pascalCase(typeName)}`,
        );
      }
      for (const field of fieldsOf(node)) {
        if (field.name.value.startsWith('_')) continue;
        const coordinate = `${typeName}.${field.name.value}`;
        checkCamelCase(ctx, coordinate, field.name, kindOf(node) === 'input' ? 'Input field' : 'Field');
        for (const arg of field.kind === Kind.FIELD_DEFINITION ? (field.arguments ?? []) : []) {
          if (arg.name.value.startsWith('_')) continue;
          checkCamelCase(ctx, `${coordinate}(${arg.name.value}:)`, arg.name, 'Argument');
        }
      }
      if (node.kind === Kind.ENUM_TYPE_DEFINITION || node.kind === Kind.ENUM_TYPE_EXTENSION) {
        for (const value of node.values ?? []) {
          const name = value.name.value;
          if (name.startsWith('_') || ENUM_VALUE_UPPER_CASE.test(name)) continue;
          report(
            ctx,
            'naming/enum-value-upper-case',
            `${typeName}.${name}`,
            value.name,
            `Enum value ${typeName}.${name} is not UPPER_CASE: rename it to ${upperCase(name)}`,
          );
        }
      }
    }
  }
}

function checkCamelCase(ctx: Context, coordinate: string, name: NameNode, what: string): void {
  if (FIELD_CAMEL_CASE.test(name.value)) return;
  report(
    ctx,
    'naming/field-camel-case',
    coordinate,
    name,
    `${what} ${coordinate} is not camelCase: rename it to ${camelCase(name.value)}`,
  );
}

/** created_at, CREATED-AT, CreatedAt → [created, at] / [CREATED, AT] / [Created, At]; URLPath → [URL, Path]. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

function capitalize(word: string): string {
  const lower = word === word.toUpperCase() ? word.toLowerCase() : word;
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

function pascalCase(name: string): string {
  return words(name).map(capitalize).join('');
}

function camelCase(name: string): string {
  const [first = '', ...rest] = words(name);
  return first.toLowerCase() + rest.map(capitalize).join('');
}

function upperCase(name: string): string {
  return words(name)
    .map((w) => w.toUpperCase())
    .join('_');
}

// --- pagination -----------------------------------------------------------------------------

function checkPagination(ctx: Context): void {
  for (const [typeName, nodes] of ctx.types) {
    if (typeName.startsWith('_')) continue;
    const kind = kindOf(nodes[0]!);
    if (kind !== 'object' && kind !== 'interface') continue;
    const listsMustBeConnections = typeName === ctx.roots.query || ctx.entities.has(typeName);

    for (const node of nodes as FieldContainerNode[]) {
      for (const field of node.fields ?? []) {
        if (field.name.value.startsWith('_')) continue;
        const coordinate = `${typeName}.${field.name.value}`;
        const returned = namedType(field.type);

        if (listsMustBeConnections && isList(field.type)) {
          const itemKind = kindOfName(ctx, returned);
          if (itemKind === 'object' || itemKind === 'interface' || itemKind === 'union') {
            const where = typeName === ctx.roots.query ? 'a root query field' : `a field of the entity ${typeName}`;
            report(
              ctx,
              'pagination/connection',
              coordinate,
              field.name,
              `${coordinate} returns a list of ${returned}: return a ${returned}Connection with first/after/last/before ` +
                `instead (${where} must be paginated)`,
            );
          }
        }

        if (isConnectionName(returned)) checkPaginationArguments(ctx, coordinate, field, returned);
      }
    }

    if (kind === 'object' && isConnectionName(typeName)) checkConnectionShape(ctx, typeName, nodes);
  }
}

function isConnectionName(name: string): boolean {
  return name.endsWith('Connection') && name.length > 'Connection'.length;
}

function checkPaginationArguments(ctx: Context, coordinate: string, field: FieldDefinitionNode, returned: string) {
  const missing: string[] = [];
  for (const [name, type] of PAGINATION_ARGUMENTS) {
    const arg = field.arguments?.find((a) => a.name.value === name);
    if (!arg) {
      missing.push(`${name}: ${type}`);
    } else if (print(arg.type) !== type) {
      report(
        ctx,
        'pagination/connection',
        `${coordinate}(${name}:)`,
        arg.name,
        `${coordinate}(${name}:) is ${print(arg.type)}: the shared pagination argument is ${name}: ${type} ` +
          `(nullable; the server applies the page size defaults)`,
      );
    }
  }
  if (missing.length > 0) {
    report(
      ctx,
      'pagination/connection',
      coordinate,
      field.name,
      `${coordinate} returns ${returned} without the pagination argument${missing.length > 1 ? 's' : ''} ` +
        `${missing.join(', ')}: take the shared arguments (${PAGINATION_SIGNATURE})`,
    );
  }
}

function checkConnectionShape(ctx: Context, connection: string, nodes: TypeSystemTypeNode[]): void {
  const item = connection.slice(0, -'Connection'.length);
  const edge = `${item}Edge`;
  checkFields(ctx, connection, nodes, [
    ['edges', `[${edge}!]!`],
    ['nodes', `[${item}!]!`],
    ['pageInfo', 'PageInfo!'],
    ['totalCount', 'Int!'],
  ]);
  const edgeNodes = ctx.types.get(edge);
  if (edgeNodes && kindOf(edgeNodes[0]!) === 'object') {
    checkFields(ctx, edge, edgeNodes, [
      ['cursor', 'String!'],
      ['node', `${item}!`],
    ]);
  }
}

/** Reports each expected field that is missing (at the type) or has another type (at the field). */
function checkFields(
  ctx: Context,
  typeName: string,
  nodes: TypeSystemTypeNode[],
  expected: ReadonlyArray<readonly [string, string]>,
): void {
  const fields = new Map<string, FieldDefinitionNode>();
  for (const node of nodes as FieldContainerNode[]) {
    for (const field of node.fields ?? []) fields.set(field.name.value, field);
  }
  const missing: string[] = [];
  for (const [name, type] of expected) {
    const field = fields.get(name);
    if (!field) {
      missing.push(`${name}: ${type}`);
    } else if (print(field.type) !== type) {
      report(
        ctx,
        'pagination/connection',
        `${typeName}.${name}`,
        field.name,
        `${typeName}.${name} is ${print(field.type)}: a Relay ${typeName.endsWith('Edge') ? 'edge' : 'connection'} ` +
          `declares it as ${name}: ${type}`,
      );
    }
  }
  if (missing.length > 0) {
    report(
      ctx,
      'pagination/connection',
      typeName,
      nodes[0]!.name,
      `${typeName} lacks ${missing.join(', ')}: a Relay ${typeName.endsWith('Edge') ? 'edge' : 'connection'} ` +
        `declares ${expected.map(([n, t]) => `${n}: ${t}`).join(', ')}`,
    );
  }
}

// --- mutations ------------------------------------------------------------------------------

function checkMutations(ctx: Context): void {
  const mutation = ctx.roots.mutation;
  for (const node of ctx.types.get(mutation) ?? []) {
    if (kindOf(node) !== 'object') continue;
    for (const field of (node as FieldContainerNode).fields ?? []) {
      if (field.name.value.startsWith('_')) continue;
      const coordinate = `${mutation}.${field.name.value}`;
      const base = pascalCase(field.name.value);
      const args = field.arguments ?? [];

      const [only] = args;
      if (args.length !== 1 || !only) {
        report(
          ctx,
          'mutation/input-payload',
          coordinate,
          field.name,
          `${coordinate} takes ${args.length} arguments: take exactly one, input: ${base}Input!, ` +
            `an input type holding ${args.length > 1 ? 'them' : 'its parameters'}`,
        );
      } else if (only.name.value !== 'input') {
        report(
          ctx,
          'mutation/input-payload',
          `${coordinate}(${only.name.value}:)`,
          only.name,
          `${coordinate} takes its argument as ${only.name.value}: name it input (input: ${base}Input!)`,
        );
      } else if (!isNonNullNamed(only.type, 'Input', 'input', ctx)) {
        report(
          ctx,
          'mutation/input-payload',
          `${coordinate}(input:)`,
          only.name,
          `${coordinate}(input:) is ${print(only.type)}: make it a non-null input object type named *Input ` +
            `(input: ${base}Input!)`,
        );
      }

      if (!isNonNullNamed(field.type, 'Payload', 'object', ctx)) {
        report(
          ctx,
          'mutation/input-payload',
          coordinate,
          field.name,
          `${coordinate} returns ${print(field.type)}: return a non-null object type named *Payload ` +
            `(${base}Payload!) that holds the result, so fields can be added later without a breaking change`,
        );
      }
    }
  }
}

/** `Name!` where Name ends in `suffix` and, when this SDL defines it, is of `kind`. */
function isNonNullNamed(type: TypeNode, suffix: string, kind: TypeKind, ctx: Context): boolean {
  if (type.kind !== Kind.NON_NULL_TYPE || type.type.kind !== Kind.NAMED_TYPE) return false;
  const name = type.type.name.value;
  if (!name.endsWith(suffix) || name === suffix) return false;
  const actual = kindOfName(ctx, name);
  return actual === undefined || actual === kind;
}

// --- descriptions ---------------------------------------------------------------------------

function checkDescriptions(ctx: Context): void {
  for (const [typeName, nodes] of ctx.types) {
    if (typeName.startsWith('_')) continue;
    for (const node of nodes) {
      const isDefinition = !isTypeExtensionNode(node);
      // Elements hidden by @inaccessible are not in the API schema, so no client reads their description.
      if (isInaccessible(ctx, node)) continue;
      // Root types' descriptions merge across subgraphs, and an extension documents only its fields.
      if (isDefinition && !ctx.rootNames.has(typeName) && !hasDescription(node.description)) {
        report(
          ctx,
          'docs/description',
          typeName,
          node.name,
          `Type ${typeName} has no description: add a "…" string above it saying what it represents`,
        );
      }
      for (const field of fieldsOf(node)) {
        if (field.name.value.startsWith('_') || isInaccessible(ctx, field) || hasDescription(field.description)) {
          continue;
        }
        const coordinate = `${typeName}.${field.name.value}`;
        report(
          ctx,
          'docs/description',
          coordinate,
          field.name,
          `${field.kind === Kind.FIELD_DEFINITION ? 'Field' : 'Input field'} ${coordinate} has no description: ` +
            `add a "…" string above it saying what it holds`,
        );
      }
      if (node.kind === Kind.ENUM_TYPE_DEFINITION || node.kind === Kind.ENUM_TYPE_EXTENSION) {
        for (const value of node.values ?? []) {
          const name = value.name.value;
          if (name.startsWith('_') || isInaccessible(ctx, value) || hasDescription(value.description)) continue;
          report(
            ctx,
            'docs/description',
            `${typeName}.${name}`,
            value.name,
            `Enum value ${typeName}.${name} has no description: add a "…" string above it saying what it means`,
          );
        }
      }
    }
  }
}

function hasDescription(description: StringValueNode | undefined): boolean {
  return description !== undefined && description.value.trim() !== '';
}

function isInaccessible(ctx: Context, node: { directives?: readonly ConstDirectiveNode[] }): boolean {
  return hasDirective(node, ctx.federation.inaccessible);
}

// --- entity keys ----------------------------------------------------------------------------

function checkEntityKeys(ctx: Context): void {
  for (const [typeName, nodes] of ctx.types) {
    if (typeName.startsWith('_') || ctx.rootNames.has(typeName) || ctx.entities.has(typeName)) continue;
    if (kindOf(nodes[0]!) !== 'object' || /(Payload|Connection|Edge)$/.test(typeName)) continue;
    const hasId = (nodes as FieldContainerNode[]).some((node) =>
      (node.fields ?? []).some((f) => f.name.value === 'id' && print(f.type) === 'ID!'),
    );
    if (!hasId) continue;
    report(
      ctx,
      'entity/key',
      typeName,
      nodes[0]!.name,
      `${typeName} has an id: ID! field but no @key: add @key(fields: "id") so other subgraphs can reference ` +
        `and resolve it (rename the field if it is not the object's identity)`,
    );
  }
}

// --- AST helpers ----------------------------------------------------------------------------

function kindOf(node: { kind: Kind }): TypeKind | undefined {
  switch (node.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
      return 'object';
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return 'interface';
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return 'union';
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
      return 'enum';
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
      return 'input';
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
      return 'scalar';
    default:
      return undefined;
  }
}

/** The kind of a named type: built-in scalars, or as this SDL declares it; undefined when unknown. */
function kindOfName(ctx: Context, name: string): TypeKind | undefined {
  if (BUILT_IN_SCALARS.has(name)) return 'scalar';
  const node = ctx.types.get(name)?.[0];
  return node ? kindOf(node) : undefined;
}

function fieldsOf(node: TypeSystemTypeNode): ReadonlyArray<FieldDefinitionNode | InputValueDefinitionNode> {
  return 'fields' in node ? (node.fields ?? []) : [];
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function isList(type: TypeNode): boolean {
  return type.kind === Kind.LIST_TYPE || (type.kind === Kind.NON_NULL_TYPE && isList(type.type));
}

function hasDirective(node: { directives?: readonly ConstDirectiveNode[] }, names: Set<string>): boolean {
  return (node.directives ?? []).some((d) => names.has(d.name.value));
}

function argumentValue(directive: ConstDirectiveNode, name: string) {
  return directive.arguments?.find((a) => a.name.value === name)?.value;
}

function report(ctx: Context, rule: LintRuleId, coordinate: string, at: { loc?: Location }, message: string): void {
  ctx.issues.push({
    rule,
    subgraph: ctx.subgraph,
    coordinate,
    line: at.loc?.startToken.line ?? 0,
    column: at.loc?.startToken.column ?? 0,
    message,
  });
}
