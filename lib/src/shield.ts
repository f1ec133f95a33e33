// Layer-2 authorization: a subgraph's permission tree (lib rules, see rules.ts) and the one way it
// is applied. graphql-shield is the engine for fields; this is the only module that imports it.
import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { applyMiddleware, type IMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import {
  allow as shieldAllow,
  and as shieldAnd,
  deny as shieldDeny,
  not as shieldNot,
  or as shieldOr,
  rule as shieldRule,
  shield,
  type IRules,
} from 'graphql-shield';
import { forbidden } from './errors.ts';
import { readsCallerOnly, requestVerdict, type Rule, type RuleContext } from './rules.ts';

export * from './rules.ts';

/**
 * A subgraph's authorization, declared once: type → field (or '*', every field of the type the
 * entry does not name) → rule, for root fields and for the non-root fields that need more than
 * their parent's rule; and under `entities`, entity type → the rule a reference to it must pass
 * (`_entities` runs no Query rule per type: lib's server factory applies these around
 * `__resolveReference`). Every resolvable `@key` type has one (lib/authz-check).
 */
export type PermissionTree = Readonly<Record<string, Readonly<Record<string, Rule>>>>;

/** The tree's key for entity rules (GraphQL type names are PascalCase, so it names no type). */
export const ENTITIES = 'entities';

/** The tree's field rules: every entry but `entities`. */
export function fieldRules(tree: PermissionTree): Record<string, Readonly<Record<string, Rule>>> {
  const { [ENTITIES]: _entities, ...fields } = tree;
  return fields;
}

/** The tree's entity rules: entity type → rule. */
export const entityRules = (tree: PermissionTree): Readonly<Record<string, Rule>> => tree[ENTITIES] ?? {};

/** Every rule of a tree, with where it applies: "Type.field", or "Type.__resolveReference" for entities. */
export function rulesOf(tree: PermissionTree): [string, Rule][] {
  const out: [string, Rule][] = [];
  for (const [type, fields] of Object.entries(fieldRules(tree)))
    for (const [field, rule] of Object.entries(fields)) if (rule) out.push([`${type}.${field}`, rule]);
  for (const [type, rule] of Object.entries(entityRules(tree)))
    if (rule) out.push([`${type}.__resolveReference`, rule]);
  return out;
}

/** Refuses a tree in which two different rules share a name (graphql-shield caches results by name). */
export function assertUniqueRuleNames(tree: PermissionTree): void {
  const byName = new Map<string, Rule>();
  const clashes = new Set<string>();
  const walk = (r: Rule) => {
    if (r.kind === 'rule') {
      const other = byName.get(r.name);
      if (other && other !== r) clashes.add(r.name);
      byName.set(r.name, r);
    }
    r.rules.forEach(walk);
  };
  for (const [, r] of rulesOf(tree)) walk(r);
  if (clashes.size > 0)
    throw new Error(`the permission tree has different rules named ${[...clashes].join(', ')}: rule names are unique`);
}

// ---------------------------------------------------------------- graphql-shield

const compiled = new WeakMap<Rule, unknown>();

/** The graphql-shield rule that runs a lib rule (one instance per lib rule). */
function toShield(rule: Rule): unknown {
  let out = compiled.get(rule);
  if (out) return out;
  switch (rule.kind) {
    case 'allow':
      out = shieldAllow;
      break;
    case 'deny':
      out = shieldDeny;
      break;
    case 'rule':
      out = shieldRule(rule.name, { cache: rule.cache })(rule.fn!);
      break;
    case 'and':
      out = shieldAnd(...(rule.rules.map(toShield) as Parameters<typeof shieldAnd>));
      break;
    case 'or':
      out = shieldOr(...(rule.rules.map(toShield) as Parameters<typeof shieldOr>));
      break;
    case 'not':
      out = shieldNot(toShield(rule.rules[0]!) as Parameters<typeof shieldNot>[0]);
      break;
  }
  compiled.set(rule, out);
  return out;
}

const ROOT_TYPES = (schema: GraphQLSchema) =>
  [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((t) => t != null)
    .map((t) => t.name);

type FieldTree = Record<string, Readonly<Record<string, Rule>>>;

/**
 * Refuses, at start-up, a tree that names what the schema does not have as an object type or
 * field. graphql-shield checks unknown types and fields itself, but silently ignores rules on an
 * interface, input or other non-object type: a rule meant to guard something that guards nothing.
 */
function assertTreeMatches(schema: GraphQLSchema, tree: PermissionTree): void {
  const problems: string[] = [];
  for (const [typeName, fields] of Object.entries(fieldRules(tree))) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) {
      problems.push(type ? `${typeName} (not an object type)` : typeName);
      continue;
    }
    const known = type.getFields();
    for (const f of Object.keys(fields)) if (f !== '*' && !(f in known)) problems.push(`${typeName}.${f}`);
  }
  for (const typeName of Object.keys(entityRules(tree)))
    if (!isObjectType(schema.getType(typeName))) problems.push(`${ENTITIES}.${typeName}`);
  if (problems.length > 0)
    throw new Error(`permission tree names what the schema has no object type or field for: ${problems.join(', ')}`);
}

/** The non-root fields a tree entry guards: every field of its type under '*', else the ones it names. */
function namedFields(schema: GraphQLSchema, typeName: string, fields: Readonly<Record<string, Rule>>): string[] {
  if ('*' in fields) return Object.keys((schema.getType(typeName) as GraphQLObjectType).getFields());
  return Object.keys(fields);
}

/** A resolver behind a caller-only rule: the request's verdict, then the resolver (see applyShield). */
function guardedByRequestVerdict(rule: Rule, resolve: GraphQLFieldResolver<unknown, RuleContext>) {
  const guarded: GraphQLFieldResolver<unknown, RuleContext> = (parent, args, ctx, info) => {
    const verdict = requestVerdict(rule, ctx, info);
    if (verdict === true) return resolve(parent, args, ctx, info);
    if (verdict instanceof Error) throw verdict;
    return verdict.then((v) => {
      if (v !== true) throw v;
      return resolve(parent, args, ctx, info);
    });
  };
  return guarded;
}

/**
 * Applies a permission tree's field rules with fallbackRule deny.
 *
 * graphql-shield wraps every field of every type by default, which turns each scalar of each
 * row into a promise: 5-7x the execution time of a 1000-row list. A non-root field can only be
 * reached through a root field (Query, Mutation, or `_entities`), so guarding every root field,
 * with deny for any the tree forgets, guards the whole graph. Non-root fields keep a wrapper
 * only where the tree names them (a field that needs more than its parent's rule), or all of a
 * type's fields when its entry has '*' (its rule applies to every field the entry does not name).
 *
 * graphql-shield runs every root field's rule and every non-root rule that reads its object or
 * arguments. A non-root rule that reads only the caller (e.g. `Job.createdBy: hasPermission(…)`
 * on every row of a list) gives one answer per request: lib works it out once and serves it to
 * every row synchronously (rules.ts requestVerdict), where graphql-shield's middleware would add a
 * chain of promises to each row (2.2× a 1000-row list, bench/shield.ts).
 */
export function applyShield(schema: GraphQLSchema, tree: PermissionTree): GraphQLSchema {
  assertTreeMatches(schema, tree);
  assertUniqueRuleNames(tree);
  const fields: FieldTree = fieldRules(tree);
  const shieldTree = Object.fromEntries(
    Object.entries(fields).map(([type, rules]) => [
      type,
      Object.fromEntries(Object.entries(rules).map(([f, r]) => [f, toShield(r)])),
    ]),
  );
  const generator = shield(shieldTree as IRules, {
    // (every rule is compiled; the caller-only non-root ones are taken out of the middleware below)
    fallbackRule: shieldDeny,
    fallbackError: forbidden('Not allowed'),
    allowExternalErrors: true,
    debug: false,
  });
  const full = generator.generate(schema) as IMiddlewareTypeMap;
  const roots = new Set(ROOT_TYPES(schema));
  const kept: IMiddlewareTypeMap = {};
  for (const [typeName, typeFields] of Object.entries(full)) {
    if (roots.has(typeName)) {
      kept[typeName] = typeFields;
      continue;
    }
    const named = fields[typeName];
    if (!named || typeof typeFields !== 'object') continue;
    const guarded = new Set(namedFields(schema, typeName, named));
    const picked = Object.fromEntries(
      Object.entries(typeFields as Record<string, unknown>).filter(
        ([f]) => guarded.has(f) && !readsCallerOnly(ruleOf(named, f)),
      ),
    );
    if (Object.keys(picked).length > 0) kept[typeName] = picked as IMiddlewareTypeMap[string];
  }
  const applied = applyMiddleware(schema, kept as IMiddleware);
  for (const [typeName, named] of Object.entries(fields)) {
    if (roots.has(typeName)) continue;
    const type = applied.getType(typeName) as GraphQLObjectType;
    for (const f of namedFields(applied, typeName, named)) {
      const rule = ruleOf(named, f);
      if (!readsCallerOnly(rule)) continue;
      const field = type.getFields()[f]!;
      field.resolve = guardedByRequestVerdict(rule, (field.resolve ?? defaultFieldResolver) as never);
    }
  }
  return applied;
}

/** The rule of a field in its type's entry: its own, else the entry's '*'. */
const ruleOf = (entry: Readonly<Record<string, Rule>>, field: string): Rule => (entry[field] ?? entry['*'])!;

/**
 * What graphql-shield does by default: every field of every type wrapped, fallback allow (and
 * `extra` rules added to the tree). Not how a subgraph runs: bench/shield.ts measures it to show
 * what applyShield saves.
 */
export function applyShieldEverywhere(schema: GraphQLSchema, tree: PermissionTree, extra: PermissionTree = {}) {
  const compile = (t: PermissionTree) =>
    Object.fromEntries(
      Object.entries(fieldRules(t)).map(([type, rules]) => [
        type,
        Object.fromEntries(Object.entries(rules).map(([f, r]) => [f, toShield(r)])),
      ]),
    );
  const rules = { ...compile(tree), ...compile(extra) };
  return applyMiddleware(schema, shield(rules as IRules, { fallbackRule: shieldAllow, allowExternalErrors: true }));
}

/** Which fields of `schema` a tree guards once applied: for tests and schema checks. */
export function guardedFields(schema: GraphQLSchema, tree: PermissionTree): string[] {
  assertTreeMatches(schema, tree);
  const out: string[] = [];
  for (const root of ROOT_TYPES(schema)) {
    const type = schema.getType(root) as GraphQLObjectType;
    for (const f of Object.keys(type.getFields())) out.push(`${root}.${f}`);
  }
  for (const [typeName, fields] of Object.entries(fieldRules(tree))) {
    if (ROOT_TYPES(schema).includes(typeName)) continue;
    for (const f of namedFields(schema, typeName, fields)) out.push(`${typeName}.${f}`);
  }
  return out.sort();
}
