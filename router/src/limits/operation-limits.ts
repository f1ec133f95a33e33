// Operation limits: what one operation may ask of the router, whoever sends it, checked on the
// document's syntax alone (no schema: the answer can name nothing but the limit and its maximum)
// before anything validates, plans or calls a subgraph. graphql-armor's set, on the one operation
// a request executes (the one operationName selects) plus the fragments it reaches:
//   - tokens: the document's lexical tokens, counted by graphql-js's parser itself (`maxTokens`),
//     which stops reading there; the only limit on the whole document, as nothing is selected
//     before it is parsed. It also bounds how deep the parser recurses (2 tokens a level for
//     `{ a { a ...`, 1 for `[[[...`); a document that still exhausts the stack (a large limit, a
//     short stack) is a plain 400 GRAPHQL_PARSE_FAILED, never the RangeError's text;
//   - depth: the deepest field nesting (`{ a { b } }` is 2; fragments and inline fragments add no
//     level). Introspection (a root `__schema` / `__type` and everything under it) is measured on
//     its own against `maxIntrospectionDepth`: graphql-js's getIntrospectionQuery nests 15 deep
//     (`__schema types fields args type`, 9 `ofType` (typeDepth 9), then `kind name`), Sandbox's
//     and codegen's are the same shape, some tools ask deeper TypeRefs; its expensive part
//     (nested lists of fields) is refused by graphql-js's MaxIntrospectionDepthRule when Apollo
//     validates;
//   - aliases: every aliased field (`__typename` included), counted as executed: a fragment spread
//     twice counts twice;
//   - rootFields: distinct response keys at the root (aliases count, `__typename` does not, aliased
//     or not): each one is a resolver run and, behind the gateway, a subgraph call; without a cap
//     one request repeats an expensive mutation hundreds of times under aliases, past any
//     per-request rate limit;
//   - directives: every directive use (on the operation, its variables, fields, fragments and
//     spreads), as executed;
//   - fieldRepeats: how often one response key is selected in one selection set (through its
//     fragments and inline fragments): `{ me { id id id } }` is 3. Repeats are merged by GraphQL
//     and execute once, but each one is still read, validated (OverlappingFieldsCanBeMerged
//     compares them pairwise) and planned: "field duplication" pads a document with work that
//     no client needs;
//   - valueDepth: how deep list and object values nest in the operation's arguments (and its
//     variables' defaults): `f(x: [[1]])` is 2. @apollo/gateway's query planner walks a list
//     literal's elements twice per level (federation-internals collectVariablesInValue visits an
//     array's items and then its keys), so its work doubles with each level: a 40-deep list, a
//     few hundred bytes, would block the router's event loop for days (measured: 22 levels take
//     seconds). Variables (JSON) are not walked that way, and lib's MAX_VARIABLES_DEPTH bounds them.
// Counts "as executed" are computed once per fragment, so a document of fragments that spread each
// other twice per level ("fragment bombs") costs time linear in its size and reports the
// exponential count it would execute.
import {
  GraphQLError,
  Kind,
  parse,
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

export interface OperationLimits {
  maxDepth: number;
  maxIntrospectionDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxTokens: number;
  maxDirectives: number;
  maxFieldRepeats: number;
  maxValueDepth: number;
}

/**
 * The defaults (config.ts OPERATION_MAX_*). Every contract operation (at most: depth 5, 2 root
 * fields, no alias, no repeat, no directive, value depth 1; the whole contract file 1,080 tokens)
 * and graphql-js's getIntrospectionQuery with every option and a TypeRef up to 14 `ofType` deep
 * pass them (operation-limits.test.ts).
 */
export const DEFAULT_OPERATION_LIMITS: Readonly<OperationLimits> = Object.freeze({
  maxDepth: 12,
  maxIntrospectionDepth: 20,
  maxAliases: 30,
  maxRootFields: 20,
  maxTokens: 5000,
  maxDirectives: 50,
  maxFieldRepeats: 5,
  maxValueDepth: 8,
});

export type LimitName =
  'tokens' | 'depth' | 'introspectionDepth' | 'aliases' | 'rootFields' | 'directives' | 'fieldRepeats' | 'valueDepth';

/** The code of every limit's refusal; `extensions.limit` names the limit, `extensions.max` its maximum. */
export const OPERATION_LIMIT_EXCEEDED = 'OPERATION_LIMIT_EXCEEDED';

const WHAT: Record<LimitName, (max: number) => string> = {
  tokens: (max) => `The document is larger than ${max} tokens`,
  depth: (max) => `The operation nests fields deeper than ${max} levels`,
  introspectionDepth: (max) => `The introspection nests fields deeper than ${max} levels`,
  aliases: (max) => `The operation uses more than ${max} aliases`,
  rootFields: (max) => `The operation selects more than ${max} root fields (aliases included)`,
  directives: (max) => `The operation uses more than ${max} directives`,
  fieldRepeats: (max) => `The operation selects the same field more than ${max} times in one selection set`,
  valueDepth: (max) => `The operation nests list and object values deeper than ${max} levels`,
};

/** What a request over `limit` hears: HTTP 400, the same for every caller. */
export function limitExceeded(limit: LimitName, max: number): GraphQLError {
  return new GraphQLError(WHAT[limit](max), {
    extensions: { code: OPERATION_LIMIT_EXCEEDED, limit, max, http: { status: 400 } },
  });
}

/** What a document that cannot be read hears (400 GRAPHQL_PARSE_FAILED, never an internal message). */
export const TOO_DEEP_TO_PARSE = 'Syntax Error: the document nests too deeply to be read.';

// graphql-js 16 words it "more that N tokens" (sic); 17 may fix the spelling.
const TOKENS_EXCEEDED = /^Syntax Error: Document contains more th(?:an|at) \d+ tokens\. Parsing aborted\.?$/;

/**
 * Parses a document reading at most `maxTokens` tokens. A syntax error keeps graphql-js's message
 * and location (400 GRAPHQL_PARSE_FAILED); too many tokens is the `tokens` limit; a document that
 * nests deeper than the parser's stack (only possible with a large `maxTokens`) is a plain 400.
 */
export function parseDocument(source: string, maxTokens: number): DocumentNode | GraphQLError {
  try {
    return parse(source, { maxTokens });
  } catch (err) {
    if (err instanceof GraphQLError) {
      if (TOKENS_EXCEEDED.test(err.message)) return limitExceeded('tokens', maxTokens);
      return new GraphQLError(err.message, {
        source: err.source,
        positions: err.positions,
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      });
    }
    return parseFailed(err instanceof RangeError ? TOO_DEEP_TO_PARSE : 'Syntax Error: the document cannot be read.');
  }
}

const parseFailed = (message: string) => new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });

/** One operation's measures (fragments included, counted as executed). */
export interface OperationMeasures {
  depth: number;
  introspectionDepth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  fieldRepeats: number;
  valueDepth: number;
}

/** A selection set's measures; fragments' are computed once and reused at every spread. */
interface SetMeasures {
  /** Field levels below and including this set's fields (0: no field), introspection apart. */
  depth: number;
  /** The same for the introspection fields found at the root (only measured there). */
  introspectionDepth: number;
  aliases: number;
  directives: number;
  /** The largest repeat count of one response key in any selection set within. */
  repeats: number;
  /** The deepest list / object value nesting in an argument within. */
  valueDepth: number;
  /** Response keys selected at this level (through fragments), with how often each is. */
  keys: Map<string, number>;
  /** The response keys at this level of fields other than `__typename` (root fields when at the root). */
  fieldKeys: Set<string>;
}

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);
const empty = (): SetMeasures => ({
  depth: 0,
  introspectionDepth: 0,
  aliases: 0,
  directives: 0,
  repeats: 0,
  valueDepth: 0,
  keys: new Map(),
  fieldKeys: new Set(),
});

/** How deep list and object values nest in `value` (`[[1]]` is 2, `{ a: [1] }` is 2, a scalar or variable 0). */
function valueDepth(value: ValueNode): number {
  let inner = 0;
  if (value.kind === Kind.LIST) for (const v of value.values) inner = Math.max(inner, valueDepth(v));
  else if (value.kind === Kind.OBJECT) for (const f of value.fields) inner = Math.max(inner, valueDepth(f.value));
  else return 0;
  return 1 + inner;
}

function argumentsDepth(args: readonly ArgumentNode[] | undefined): number {
  let depth = 0;
  for (const a of args ?? []) depth = Math.max(depth, valueDepth(a.value));
  return depth;
}

function directivesDepth(directives: readonly DirectiveNode[] | undefined): number {
  let depth = 0;
  for (const d of directives ?? []) depth = Math.max(depth, argumentsDepth(d.arguments));
  return depth;
}

/**
 * The measures of `operation` in `document`. The recursion follows the document's nesting, which
 * the parser has already bounded (a stack overflow here is caught by checkOperationLimits).
 */
export function measureOperation(document: DocumentNode, operation: OperationDefinitionNode): OperationMeasures {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  // A fragment spread at the root is measured as a root selection set (its introspection fields set apart).
  const memo = { root: new Map<string, SetMeasures>(), inner: new Map<string, SetMeasures>() };
  const inProgress = new Set<string>();

  const fragment = (name: string, root: boolean): SetMeasures | undefined => {
    const cache = root ? memo.root : memo.inner;
    const known = cache.get(name);
    if (known) return known;
    const def = fragments.get(name);
    // Unknown or cyclic spreads are validation errors (Apollo refuses them); they add nothing here.
    if (!def || inProgress.has(name)) return undefined;
    inProgress.add(name);
    const m = selectionSet(def.selectionSet, root);
    inProgress.delete(name);
    m.directives += def.directives?.length ?? 0;
    m.valueDepth = Math.max(m.valueDepth, directivesDepth(def.directives));
    cache.set(name, m);
    return m;
  };

  function selectionSet(set: SelectionSetNode, root: boolean): SetMeasures {
    const out = empty();
    const take = (m: SetMeasures, depth: number, keys: boolean) => {
      out.depth = Math.max(out.depth, depth);
      out.introspectionDepth = Math.max(out.introspectionDepth, m.introspectionDepth);
      out.aliases += m.aliases;
      out.directives += m.directives;
      out.repeats = Math.max(out.repeats, m.repeats);
      out.valueDepth = Math.max(out.valueDepth, m.valueDepth);
      if (!keys) return;
      for (const [k, n] of m.keys) out.keys.set(k, (out.keys.get(k) ?? 0) + n);
      for (const k of m.fieldKeys) out.fieldKeys.add(k);
    };
    for (const sel of set.selections) {
      out.directives += sel.directives?.length ?? 0;
      out.valueDepth = Math.max(out.valueDepth, directivesDepth(sel.directives));
      if (sel.kind === Kind.FIELD) {
        out.valueDepth = Math.max(out.valueDepth, argumentsDepth(sel.arguments));
        const key = (sel.alias ?? sel.name).value;
        out.keys.set(key, (out.keys.get(key) ?? 0) + 1);
        if (sel.name.value !== '__typename') out.fieldKeys.add(key);
        if (sel.alias) out.aliases++;
        const sub = sel.selectionSet ? selectionSet(sel.selectionSet, false) : empty();
        if (root && INTROSPECTION_ROOTS.has(sel.name.value)) {
          take(sub, 0, false);
          out.introspectionDepth = Math.max(out.introspectionDepth, 1 + sub.depth);
        } else take(sub, 1 + sub.depth, false);
      } else {
        const m =
          sel.kind === Kind.INLINE_FRAGMENT ? selectionSet(sel.selectionSet, root) : fragment(sel.name.value, root);
        if (m) take(m, m.depth, true);
      }
    }
    for (const n of out.keys.values()) out.repeats = Math.max(out.repeats, n);
    return out;
  }

  const top = selectionSet(operation.selectionSet, true);
  let variableDirectives = 0;
  let values = Math.max(top.valueDepth, directivesDepth(operation.directives));
  for (const v of operation.variableDefinitions ?? []) {
    variableDirectives += v.directives?.length ?? 0;
    values = Math.max(values, directivesDepth(v.directives), v.defaultValue ? valueDepth(v.defaultValue) : 0);
  }
  return {
    depth: top.depth,
    introspectionDepth: top.introspectionDepth,
    aliases: top.aliases,
    rootFields: top.fieldKeys.size,
    directives: top.directives + (operation.directives?.length ?? 0) + variableDirectives,
    fieldRepeats: top.repeats,
    valueDepth: values,
  };
}

/** The first limit `operation` exceeds, or undefined. */
export function limitRefusal(measures: OperationMeasures, limits: OperationLimits): GraphQLError | undefined {
  const checks: [LimitName, number, number][] = [
    ['depth', measures.depth, limits.maxDepth],
    ['introspectionDepth', measures.introspectionDepth, limits.maxIntrospectionDepth],
    ['rootFields', measures.rootFields, limits.maxRootFields],
    ['aliases', measures.aliases, limits.maxAliases],
    ['fieldRepeats', measures.fieldRepeats, limits.maxFieldRepeats],
    ['directives', measures.directives, limits.maxDirectives],
    ['valueDepth', measures.valueDepth, limits.maxValueDepth],
  ];
  for (const [name, value, max] of checks) if (value > max) return limitExceeded(name, max);
  return undefined;
}

/**
 * Checks `operation` against `limits`: the refusal, or undefined when it is within them. A
 * document nested deeper than the stack allows (only with a very large `maxTokens`) is over the
 * depth limit by definition.
 */
export function checkOperationLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: OperationLimits,
): GraphQLError | undefined {
  let measures: OperationMeasures;
  try {
    measures = measureOperation(document, operation);
  } catch (err) {
    if (err instanceof RangeError) return limitExceeded('depth', limits.maxDepth);
    throw err;
  }
  return limitRefusal(measures, limits);
}
