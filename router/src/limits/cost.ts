// What an operation costs, before anything executes, from the composed supergraph's @cost and
// @listSize (the IBM / GraphQL Foundation cost directives, https://specs.apollo.dev/cost/v0.1,
// which federation v2.9 composes into the supergraph). The rules are Apollo's demand control
// ("static estimated") with the differences listed below; README "Operation cost" documents them.
//
//   operation   = 10 per root field of a mutation (0 for a query) + Σ its fields' costs
//   field       = instances × (weight + Σ its selections' costs) + Σ its arguments' costs
//   weight      = the field's @cost, else its type's @cost, else 1 for an object, interface or
//                 union and 0 for a scalar or enum (__typename and introspection: 0)
//   instances   = 1 for a field that is not a list; for a list: the size its parent's
//                 @listSize(sizedFields:) gives it, else its own @listSize size, else the default
//                 list size (COST_DEFAULT_LIST_SIZE)
//   @listSize size = the largest slicing argument given (literal, variable, or the argument's
//                 default), else assumedSize; requireOneSlicingArgument (default true) refuses a
//                 field that is given none or several
//   argument    = its @cost (or its input type's) when given, plus, for an input object value,
//                 its fields' costs, and for a list value, each element's
//   fragments   = their selections count where they are spread (inline or named; every type
//                 condition counts: an upper bound for unions and interfaces)
//   @skip / @include = a field or fragment skipped (literal or variable) costs nothing
//
// Differences from Apollo's router: the mutation weight is 10 per root field (Apollo: 10 per
// mutation operation), since each root mutation field is a write the router runs in turn; input
// values cost only what @cost declares on them; the cost is the client operation's (not the sum
// of the query plan's subgraph fetches), so @requires selections and entity fetches add nothing.
//
// The computation runs on the document the gate parsed, before Apollo validates it: unknown
// fields, types and fragments cost nothing (validation refuses them anyway), and fragment cycles
// end where they close. Fragments are costed once per use context (memoised), so a document whose
// fragments spread each other many times costs linear work, not exponential. Results are cached
// per operation node (the gate keeps one per document text) and per values of the variables the
// computation read (slicing arguments, @skip/@include conditions, costed arguments): a repeated
// operation with the same page size costs a Map lookup.
import {
  Kind,
  buildASTSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** The cost spec's link (composition writes v0.1); any v0.x is read. */
const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v0\.\d+$/;

/** What a mutation's root field costs before its selections (Apollo: a mutation's base cost). */
export const MUTATION_ROOT_FIELD_COST = 10;

/** Deepest selection nesting costed; deeper documents are given an infinite cost (over any maximum). */
const MAX_DEPTH = 256;

/** Cached results kept per operation before they are dropped (different variable values). */
const MAX_RESULTS_PER_OPERATION = 256;

export interface ListSize {
  assumedSize: number | undefined;
  slicingArguments: readonly string[];
  sizedFields: readonly string[];
  requireOneSlicingArgument: boolean;
}

/** The cost directives of one supergraph, by schema coordinate. */
export interface CostModel {
  schema: GraphQLSchema;
  /**
   * @cost weights by coordinate: `Type` (object, scalar, enum, input object), `Type.field`,
   * `Type.field(arg:)`, `Input.field`.
   */
  weights: ReadonlyMap<string, number>;
  /** @listSize by field coordinate `Type.field`. */
  listSizes: ReadonlyMap<string, ListSize>;
  /** Instances assumed for a list field nothing sizes. */
  defaultListSize: number;
}

/** A document the cost rules refuse (e.g. requireOneSlicingArgument); answered 400. */
export class CostRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CostRuleError';
  }
}

function argument(node: ConstDirectiveNode, name: string): unknown {
  const arg = node.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value) : undefined;
}

/** The names @cost and @listSize carry in a supergraph, from its cost link (`as:`, `import:`). */
export function costDirectiveNames(doc: DocumentNode): { cost: string; listSize: string } | undefined {
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'link') continue;
      const url = argument(d, 'url');
      if (typeof url !== 'string' || !COST_SPEC.test(url)) continue;
      const as = argument(d, 'as');
      const feature = typeof as === 'string' ? as : 'cost';
      const names = { cost: feature, listSize: `${feature}__listSize` };
      const imports = argument(d, 'import');
      for (const entry of Array.isArray(imports) ? imports : []) {
        const name = typeof entry === 'string' ? entry : (entry as { name?: unknown })?.name;
        const alias = typeof entry === 'string' ? entry : ((entry as { as?: unknown })?.as ?? name);
        if (typeof name !== 'string' || typeof alias !== 'string') continue;
        if (name === '@cost') names.cost = alias.replace(/^@/, '');
        if (name === '@listSize') names.listSize = alias.replace(/^@/, '');
      }
      return names;
    }
  }
  return undefined;
}

/** Reads @cost and @listSize from a composed supergraph (its SDL, or its parsed document). */
export function costModelOf(supergraph: string | DocumentNode, opts: { defaultListSize: number }): CostModel {
  const doc = typeof supergraph === 'string' ? parse(supergraph) : supergraph;
  const schema = buildASTSchema(doc, { assumeValidSDL: true });
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const names = costDirectiveNames(doc);
  const model: CostModel = { schema, weights, listSizes, defaultListSize: opts.defaultListSize };
  if (!names) return model;

  const weightOf = (directives: readonly ConstDirectiveNode[] | undefined, coordinate: string) => {
    const d = directives?.find((x) => x.name.value === names.cost);
    if (!d) return;
    const weight = argument(d, 'weight');
    // The spec's weight is Int! in federation (a numeric string in IBM's draft); negative weights
    // would let a document buy budget back: they count as 0.
    const n = typeof weight === 'string' ? Number(weight) : weight;
    if (typeof n === 'number' && Number.isFinite(n)) weights.set(coordinate, Math.max(0, n));
  };
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    weightOf(
      [...(type.astNode?.directives ?? []), ...(type.extensionASTNodes ?? []).flatMap((e) => e.directives ?? [])],
      type.name,
    );
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        weightOf(field.astNode?.directives, coordinate);
        for (const arg of field.args) weightOf(arg.astNode?.directives, `${coordinate}(${arg.name}:)`);
        const ls = field.astNode?.directives?.find((x) => x.name.value === names.listSize);
        if (ls) {
          const assumed = argument(ls, 'assumedSize');
          const requireOne = argument(ls, 'requireOneSlicingArgument');
          listSizes.set(coordinate, {
            assumedSize: typeof assumed === 'number' && assumed >= 0 ? assumed : undefined,
            slicingArguments: strings(argument(ls, 'slicingArguments')),
            sizedFields: strings(argument(ls, 'sizedFields')),
            requireOneSlicingArgument: typeof requireOne === 'boolean' ? requireOne : true,
          });
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        weightOf(field.astNode?.directives, `${type.name}.${field.name}`);
    }
  }
  return model;
}

export type Variables = Readonly<Record<string, unknown>> | undefined;

/** The list size a field's @listSize(sizedFields:) hands its selected children. */
interface Sized {
  names: ReadonlySet<string>;
  size: number;
}

/**
 * The cost of `operation` in `document` with `variables`. Throws CostRuleError when the cost
 * rules refuse the document. `read` receives the name of every variable whose value the result
 * depends on.
 */
export function operationCost(
  model: CostModel,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  read: (name: string) => void = () => undefined,
): number {
  const { schema, weights, listSizes } = model;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const variableDefaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? [])
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, v.defaultValue);

  /** A variable's value: the request's, else the operation's default for it. */
  const variable = (name: string): unknown => {
    read(name);
    if (variables && Object.hasOwn(variables, name)) return variables[name];
    const fallback = variableDefaults.get(name);
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };
  /** A value node as JSON, variables substituted (only where a value is needed). */
  const valueOf = (node: ValueNode): unknown => {
    switch (node.kind) {
      case Kind.VARIABLE:
        return variable(node.name.value);
      case Kind.LIST:
        return node.values.map(valueOf);
      case Kind.OBJECT:
        return Object.fromEntries(node.fields.map((f) => [f.name.value, valueOf(f.value)]));
      default:
        return valueFromASTUntyped(node);
    }
  };

  const skipped = (directives: readonly DirectiveNode[] | undefined): boolean => {
    for (const d of directives ?? []) {
      if (d.name.value !== 'skip' && d.name.value !== 'include') continue;
      const arg = d.arguments?.find((a) => a.name.value === 'if');
      if (!arg) continue;
      const value = valueOf(arg.value);
      if (typeof value !== 'boolean') continue;
      if (d.name.value === 'skip' ? value : !value) return true;
    }
    return false;
  };

  /** An argument value's cost by its input type: @cost of the coordinate or type, then its parts. */
  const inputCost = (value: unknown, type: GraphQLInputType, coordinate: string | undefined): number => {
    if (value === null || value === undefined) return 0;
    const named = getNamedType(type);
    const own = (coordinate !== undefined ? weights.get(coordinate) : undefined) ?? weights.get(named.name) ?? 0;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      const items = Array.isArray(value) ? value : [value];
      return own + items.reduce<number>((sum, item) => sum + inputCost(item, nullable.ofType, undefined), 0);
    }
    if (isInputObjectType(named) && typeof value === 'object' && !Array.isArray(value)) {
      let sum = own;
      const fields = named.getFields();
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        const field = fields[name];
        if (field) sum += inputCost(v, field.type, `${named.name}.${name}`);
      }
      return sum;
    }
    return own;
  };

  /** Whether an input type (or an argument coordinate) can cost anything: no need to read its value otherwise. */
  const costedInputs = new Map<string, boolean>();
  const inputMayCost = (type: GraphQLInputType, coordinate: string): boolean => {
    if (weights.has(coordinate)) return true;
    const named = getNamedType(type);
    let known = costedInputs.get(named.name);
    if (known !== undefined) return known;
    costedInputs.set(named.name, false); // cycles through recursive input types end here
    known =
      weights.has(named.name) ||
      (isInputObjectType(named) &&
        Object.values(named.getFields()).some((f) => inputMayCost(f.type, `${named.name}.${f.name}`)));
    costedInputs.set(named.name, known);
    return known;
  };

  const argumentsCost = (node: FieldNode, field: GraphQLField<unknown, unknown>, coordinate: string): number => {
    let sum = 0;
    for (const arg of node.arguments ?? []) {
      const def = field.args.find((a) => a.name === arg.name.value);
      if (!def) continue;
      const at = `${coordinate}(${def.name}:)`;
      const named = getNamedType(def.type);
      // A scalar or enum argument costs its weight when given (null included): its value is not read.
      if (!isListType(getNullableType(def.type)) && !isInputObjectType(named))
        sum += weights.get(at) ?? weights.get(named.name) ?? 0;
      else if (inputMayCost(def.type, at)) sum += inputCost(valueOf(arg.value), def.type, at);
    }
    return sum;
  };

  /** A @listSize's size for one use of its field; undefined when it gives none. */
  const listSizeOf = (ls: ListSize, node: FieldNode, field: GraphQLField<unknown, unknown>, coordinate: string) => {
    const given: number[] = [];
    for (const name of ls.slicingArguments) {
      const arg = node.arguments?.find((a) => a.name.value === name);
      const value = arg ? valueOf(arg.value) : field.args.find((a) => a.name === name)?.defaultValue;
      if (typeof value === 'number' && Number.isInteger(value)) given.push(Math.max(0, value));
    }
    if (ls.requireOneSlicingArgument && ls.slicingArguments.length > 0 && given.length !== 1)
      throw new CostRuleError(
        `Exactly one of the slicing arguments ${ls.slicingArguments.map((a) => `"${a}"`).join(', ')} must be given to ${coordinate} (${given.length} given)`,
      );
    return given.length > 0 ? Math.max(...given) : ls.assumedSize;
  };

  const fragmentCosts = new Map<string, number>();
  const onPath = new Set<string>();

  const selectionsCost = (
    set: SelectionSetNode,
    parent: GraphQLNamedType | undefined,
    sized: Sized | undefined,
    depth: number,
  ): number => {
    if (depth > MAX_DEPTH) return Number.POSITIVE_INFINITY;
    let sum = 0;
    for (const sel of set.selections) {
      if (skipped(sel.directives)) continue;
      if (sel.kind === Kind.FIELD) sum += fieldCost(sel, parent, sized, depth);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        sum += selectionsCost(sel.selectionSet, type, sized, depth + 1);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || onPath.has(name)) continue;
        const key = `${name}\n${sized ? `${[...sized.names].join(',')}:${sized.size}` : ''}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          onPath.add(name);
          cost = selectionsCost(
            fragment.selectionSet,
            schema.getType(fragment.typeCondition.name.value),
            sized,
            depth + 1,
          );
          onPath.delete(name);
          fragmentCosts.set(key, cost);
        }
        sum += cost;
      }
    }
    return sum;
  };

  const fieldCost = (
    node: FieldNode,
    parent: GraphQLNamedType | undefined,
    sized: Sized | undefined,
    depth: number,
  ) => {
    if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return 0;
    const field = parent.getFields()[node.name.value];
    if (!field) return 0; // __typename, introspection, or unknown (validation refuses those)
    const coordinate = `${parent.name}.${field.name}`;
    const type = getNamedType(field.type);
    const ls = listSizes.get(coordinate);
    const size = ls ? listSizeOf(ls, node, field, coordinate) : undefined;
    const instances = !isListType(getNullableType(field.type))
      ? 1
      : sized?.names.has(field.name)
        ? sized.size
        : (size ?? model.defaultListSize);
    let cost = weights.get(coordinate) ?? weights.get(type.name) ?? (isCompositeType(type) ? 1 : 0);
    if (node.selectionSet) {
      const childSized =
        ls && ls.sizedFields.length > 0
          ? { names: new Set(ls.sizedFields), size: size ?? model.defaultListSize }
          : undefined;
      cost += selectionsCost(node.selectionSet, type, childSized, depth + 1);
    }
    return instances * cost + argumentsCost(node, field, coordinate);
  };

  const root = schema.getRootType(operation.operation);
  let total = 0;
  for (const sel of operation.selectionSet.selections) {
    if (skipped(sel.directives)) continue;
    // A root field of a mutation (fragments on the root type included) is a write.
    const single: SelectionSetNode = { kind: Kind.SELECTION_SET, selections: [sel] };
    total += selectionsCost(single, root ?? undefined, undefined, 0);
    if (operation.operation === 'mutation') total += MUTATION_ROOT_FIELD_COST * rootFields(sel, fragments, skipped);
  }
  return total;
}

/** How many root fields one root selection stands for (fragments on the root type expanded). */
function rootFields(
  sel: SelectionSetNode['selections'][number],
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  skipped: (d: readonly DirectiveNode[] | undefined) => boolean,
  seen: Set<string> = new Set(),
): number {
  if (sel.kind === Kind.FIELD) return sel.name.value.startsWith('__') ? 0 : 1;
  let set: SelectionSetNode | undefined;
  if (sel.kind === Kind.INLINE_FRAGMENT) set = sel.selectionSet;
  else if (!seen.has(sel.name.value)) {
    seen.add(sel.name.value);
    set = fragments.get(sel.name.value)?.selectionSet;
  }
  if (!set) return 0;
  let n = 0;
  for (const s of set.selections) if (!skipped(s.directives)) n += rootFields(s, fragments, skipped, seen);
  return n;
}

/** Costs, cached per operation node and per values of the variables each result read. */
export interface CostCalculator {
  readonly model: CostModel;
  /** The operation's cost; throws CostRuleError when the rules refuse the document. */
  cost(document: DocumentNode, operation: OperationDefinitionNode, variables: Variables): number;
  readonly stats: { computations: number; hits: number };
}

interface Variant {
  /** The variables this result read, in the order read. */
  read: readonly string[];
  results: Map<string, number>;
}

export function createCostCalculator(model: CostModel): CostCalculator {
  // Keyed by the gate's parsed operation node: entries go when the gate's cache drops the document.
  const cache = new WeakMap<OperationDefinitionNode, Variant[]>();
  const stats = { computations: 0, hits: 0 };
  const keyOf = (read: readonly string[], variables: Variables) =>
    JSON.stringify(read.map((n) => (variables && Object.hasOwn(variables, n) ? (variables[n] ?? null) : '\u0000')));

  return {
    model,
    stats,
    cost(document, operation, variables) {
      const variants = cache.get(operation) ?? [];
      for (const v of variants) {
        const hit = v.results.get(keyOf(v.read, variables));
        if (hit !== undefined) {
          stats.hits++;
          return hit;
        }
      }
      stats.computations++;
      const read = new Set<string>();
      const cost = operationCost(model, document, operation, variables, (n) => read.add(n));
      const names = [...read];
      let variant = variants.find((v) => v.read.length === names.length && v.read.every((n, i) => n === names[i]));
      if (!variant) {
        variant = { read: names, results: new Map() };
        variants.push(variant);
        cache.set(operation, variants);
      }
      if (variant.results.size >= MAX_RESULTS_PER_OPERATION) variant.results.clear();
      variant.results.set(keyOf(names, variables), cost);
      return cost;
    },
  };
}
