// The agreement of a subgraph's two authorization layers, checked by lib's server factory at start
// (a subgraph that disagrees does not start) and by `npm run schema:check` for every subgraph:
//  - layer 1, the SDL's @authenticated / @requiresScopes (the router enforces them);
//  - layer 2, the permission tree (lib rules, applied by the subgraph).
// Access is declared once per field in each layer, and the layer-2 rule must guarantee what the
// SDL requires (from the rule's metadata, see rules.ts), for root fields, non-root fields and
// entity references alike.
import { Kind, parse, valueFromASTUntyped, type ConstDirectiveNode, type DocumentNode, type TypeNode } from 'graphql';
import { allow, isInternalScope, scopesOfGuarantee, type Guarantee, type Rule } from './rules.ts';
import { ENTITIES, entityRules, fieldRules, type PermissionTree } from './shield.ts';

// Internal callers (the platform's workers and schedulers) hold `internal:*` scopes, each granted
// to their own credential; users hold permissions, never an `internal:*` scope.
export { INTERNAL_SCOPE_PREFIX, isInternalScope } from './rules.ts';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);
/** Added by @apollo/subgraph, not written in the SDL: lib's federationRules cover them. */
const FEDERATION_FIELDS = new Set(['_service', '_entities']);

/** What the SDL requires of a caller for one field (as the router reads it). */
export interface SdlRequirement {
  authenticated: boolean;
  /** One entry per @requiresScopes: ALL scopes of ANY of its lists. */
  scopes: string[][][];
}

const NONE: SdlRequirement = { authenticated: false, scopes: [] };
const isNone = (r: SdlRequirement) => !r.authenticated && r.scopes.length === 0;

const directiveName = (d: ConstDirectiveNode) => d.name.value.replace(/^federation__/, '');

function requirementOf(directives: readonly ConstDirectiveNode[] | undefined): SdlRequirement {
  const req: SdlRequirement = { authenticated: false, scopes: [] };
  for (const d of directives ?? []) {
    const name = directiveName(d);
    if (name === 'authenticated') req.authenticated = true;
    if (name === 'requiresScopes') {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg ? valueFromASTUntyped(arg.value) : undefined;
      if (Array.isArray(value)) req.scopes.push(value as string[][]);
    }
  }
  return req;
}

const merge = (a: SdlRequirement, b: SdlRequirement): SdlRequirement => ({
  authenticated: a.authenticated || b.authenticated,
  scopes: [...a.scopes, ...b.scopes],
});

export function printRequirement(r: SdlRequirement): string {
  const parts: string[] = [];
  if (r.authenticated) parts.push('@authenticated');
  for (const s of r.scopes) parts.push(`@requiresScopes(scopes: ${JSON.stringify(s)})`);
  return parts.join(' ') || 'nothing';
}

/** A list of scopes only internal credentials can hold. */
const internalList = (all: readonly string[]) => all.length > 0 && all.every(isInternalScope);

/** Every entry has an `internal:*`-only alternative: the field is for the platform's internal callers. */
export const internalOnly = (r: SdlRequirement) =>
  r.scopes.length > 0 && r.scopes.every((alts) => alts.some(internalList));

/**
 * Why a rule with guarantee `g` does not ensure requirement `req`, or undefined when it does: every
 * caller who passes the rule also passes the router's check of `req`.
 */
export function unmetRequirement(g: Guarantee, req: SdlRequirement): string | undefined {
  if (g.callers.size === 0) return undefined; // refuses everyone
  if (isNone(req)) return undefined;
  if (g.callers.has('anonymous')) return 'it admits anonymous callers';
  if (req.authenticated && !internalOnly(req) && g.callers.has('internal'))
    return 'it admits internal callers, and @authenticated means a user token';
  const held = scopesOfGuarantee(g);
  for (const alts of req.scopes) {
    const userOk = alts.some((all) => all.every((s) => !isInternalScope(s) && g.permissions.has(s)));
    const internalOk = alts.some((all) => internalList(all) && all.every((s) => held.has(s)));
    if (g.callers.has('user') && !userOk)
      return `a user passes it without ${alts.map((all) => all.join(' + ')).join(' or ')}`;
    if (g.callers.has('internal') && !internalOk)
      return `an internal caller passes it without ${alts.map((all) => all.join(' + ')).join(' or ')}`;
  }
  return undefined;
}

/** What a guarantee says, for messages. */
export function printGuarantee(g: Guarantee): string {
  if (g.callers.size === 0) return 'no one';
  const who = [...g.callers].join(' or ');
  return g.permissions.size > 0 ? `${who} holding ${[...g.permissions].join(', ')}` : `any ${who}`;
}

interface SdlType {
  name: string;
  /** Type-level access directives. */
  requirement: SdlRequirement;
  /** Each field's own access directives. */
  fields: Map<string, SdlRequirement>;
  /** Each field's named return type. */
  returns: Map<string, string>;
  /** Has a @key that this subgraph resolves (resolvable is not false). */
  resolvableEntity: boolean;
  /** Has a @key at all (a reference to an entity, resolvable here or not). */
  entity: boolean;
}

/** The object types an SDL defines or extends, with their access directives and keys. */
export function sdlTypes(typeDefs: DocumentNode | string): Map<string, SdlType> {
  const doc = typeof typeDefs === 'string' ? parse(typeDefs) : typeDefs;
  const types = new Map<string, SdlType>();
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const t = types.get(def.name.value) ?? {
      name: def.name.value,
      requirement: { ...NONE, scopes: [] },
      fields: new Map<string, SdlRequirement>(),
      returns: new Map<string, string>(),
      resolvableEntity: false,
      entity: false,
    };
    t.requirement = merge(t.requirement, requirementOf(def.directives));
    for (const d of def.directives ?? []) {
      if (directiveName(d) !== 'key') continue;
      t.entity = true;
      const resolvable = d.arguments?.find((a) => a.name.value === 'resolvable');
      if (!resolvable || valueFromASTUntyped(resolvable.value) !== false) t.resolvableEntity = true;
    }
    for (const f of def.fields ?? []) {
      t.fields.set(f.name.value, requirementOf(f.directives));
      t.returns.set(f.name.value, namedType(f.type));
    }
    types.set(t.name, t);
  }
  return types;
}

const namedType = (t: TypeNode): string => (t.kind === Kind.NAMED_TYPE ? t.name.value : namedType(t.type));

const ruleName = (r: Rule) => (r.kind === 'rule' ? r.name : r.kind);

/**
 * Disagreements between a subgraph's SDL and its permission tree, one sentence each. Empty when:
 * - every root field has a rule; a root field without @authenticated/@requiresScopes is public
 *   and its rule is `allow`; a root field with them has a rule that guarantees them;
 * - every non-root field whose SDL (the field's or its type's directives) requires access has a
 *   rule that guarantees it, and the tree guards no non-root field the SDL leaves open;
 * - every type with a resolvable @key has an entity rule (`entities`), which guarantees the type's
 *   own directives if it has any, and `entities` names only such types;
 * - `_entities` is not open to anyone.
 */
export function authzDisagreements(typeDefs: DocumentNode | string, tree: PermissionTree): string[] {
  const problems: string[] = [];
  const types = sdlTypes(typeDefs);
  const fields = fieldRules(tree);
  const entities = entityRules(tree);

  for (const t of types.values()) {
    const entry = fields[t.name] ?? {};
    const root = ROOT_TYPES.has(t.name);
    for (const [field, own] of t.fields) {
      const where = `${t.name}.${field}`;
      const req = merge(own, t.requirement);
      const rule = entry[field] ?? entry['*'];
      if (root) {
        if (!rule) {
          problems.push(`${where}: no rule in the permission tree`);
          continue;
        }
        if (isNone(req)) {
          if (rule !== allow)
            problems.push(
              `${where}: no @authenticated/@requiresScopes in the SDL makes it public, but its rule is ${ruleName(rule)}: ` +
                'declare the access in the SDL, or allow it',
            );
          continue;
        }
      } else if (isNone(req)) {
        if (rule && entry[field])
          problems.push(`${where}: the tree guards it (${ruleName(rule)}) but the SDL declares no access on it`);
        continue;
      } else if (!rule) {
        problems.push(`${where}: the SDL requires ${printRequirement(req)} but the tree has no rule for it`);
        continue;
      }
      if (rule === allow) {
        problems.push(`${where}: the SDL requires ${printRequirement(req)} but the tree allows anyone`);
        continue;
      }
      const unmet = unmetRequirement(rule.guarantee, req);
      if (unmet)
        problems.push(`${where}: the SDL requires ${printRequirement(req)} but its rule ${ruleName(rule)}: ${unmet}`);
    }
    // A type-wide rule on a type the SDL leaves open guards something the router does not.
    if (!root && entry['*'] && isNone(t.requirement) && [...t.fields.values()].some(isNone))
      problems.push(`${t.name}.*: the tree guards every field but the SDL declares no access on the type`);

    if (t.resolvableEntity) {
      const rule = entities[t.name];
      if (!rule) {
        problems.push(
          `${t.name}: a resolvable @key type without an entity rule (${ENTITIES}.${t.name}): ` +
            'who may resolve a reference to it must be declared',
        );
        continue;
      }
      const unmet = unmetRequirement(rule.guarantee, t.requirement);
      if (unmet)
        problems.push(`${ENTITIES}.${t.name}: the SDL requires ${printRequirement(t.requirement)} but ${unmet}`);
    }
  }

  for (const [type, entry] of Object.entries(fields)) {
    const t = types.get(type);
    for (const [field, rule] of Object.entries(entry)) {
      if (ROOT_TYPES.has(type) && FEDERATION_FIELDS.has(field)) {
        if (field === '_entities' && rule === allow) problems.push(`${type}._entities: must not be open to anyone`);
        continue;
      }
      if (field !== '*' && !t?.fields.has(field))
        problems.push(`${type}.${field}: in the permission tree but not in the SDL`);
    }
  }
  for (const type of Object.keys(entities))
    if (!types.get(type)?.resolvableEntity)
      problems.push(`${ENTITIES}.${type}: not a type this subgraph resolves by a @key`);
  return problems;
}

/** A subgraph whose two authorization layers disagree. */
export class AuthorizationMismatchError extends Error {
  constructor(
    readonly subgraph: string,
    readonly problems: string[],
  ) {
    super(
      `Refusing to start subgraph ${subgraph}: its SDL and permission tree disagree:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'AuthorizationMismatchError';
  }
}

/** Throws AuthorizationMismatchError when the layers disagree. */
export function assertAuthorizationAgrees(
  subgraph: string,
  typeDefs: DocumentNode | string,
  tree: PermissionTree,
): void {
  const problems = authzDisagreements(typeDefs, tree);
  if (problems.length > 0) throw new AuthorizationMismatchError(subgraph, problems);
}

/** Who passes the router's check of `req`: kinds of caller, and the permissions a user then holds. */
function admittedBy(req: SdlRequirement): Guarantee {
  if (isNone(req)) return { callers: new Set(['user', 'internal', 'anonymous']), permissions: new Set() };
  const callers = new Set<'user' | 'internal'>();
  const userAlternatives = req.scopes.map((alts) => alts.filter((all) => !all.some(isInternalScope)));
  if (userAlternatives.every((alts) => alts.length > 0)) callers.add('user');
  const internalAlternatives = req.scopes.map((alts) => alts.filter(internalList));
  const internalFits = internalAlternatives.every((alts) => alts.length > 0);
  if (internalFits && (!req.authenticated || internalOnly(req))) callers.add('internal');
  // An internal caller holds, for each entry, what every one of its internal alternatives asks.
  const scopes = new Set<string>();
  for (const alts of internalAlternatives)
    for (const s of alts.reduce<string[] | undefined>(
      (acc, all) => (acc ? acc.filter((x) => all.includes(x)) : [...all]),
      undefined,
    ) ?? [])
      scopes.add(s);
  // A user holds, for each entry, what every one of its alternatives asks (whichever they satisfy).
  const permissions = new Set<string>();
  for (const alts of userAlternatives) {
    const common = alts.reduce<string[] | undefined>(
      (acc, all) => (acc ? acc.filter((s) => all.includes(s)) : [...all]),
      undefined,
    );
    for (const p of common ?? []) permissions.add(p);
  }
  return { callers, permissions, scopes };
}

/** Whether everyone `admitted` lets through passes a rule guaranteeing `rule` (as far as it is static). */
function implies(admitted: Guarantee, rule: Guarantee): boolean {
  for (const c of admitted.callers) if (!rule.callers.has(c)) return false;
  const admittedScopes = scopesOfGuarantee(admitted);
  if (admitted.callers.has('internal') && ![...scopesOfGuarantee(rule)].every((s) => admittedScopes.has(s)))
    return false;
  if (!admitted.callers.has('user')) return true;
  return [...rule.permissions].every((p) => admitted.permissions.has(p));
}

/**
 * Across subgraphs: a field whose type is an entity this subgraph only refers to (its keys are
 * `resolvable: false`) hands the router references that another subgraph resolves under its entity
 * rule. The field must declare at least what that rule requires, so the router refuses, before any
 * subgraph is called, a caller the resolving subgraph would refuse, and a reader of the SDL sees who
 * may follow the reference. (A subgraph's own and resolvable entities are its own business: the
 * agreement above covers them.)
 */
export function referenceDisagreements(
  subgraphs: readonly { name: string; sdl: DocumentNode | string; tree: PermissionTree }[],
): string[] {
  const parsed = subgraphs.map((s) => ({ ...s, types: sdlTypes(s.sdl) }));
  const problems: string[] = [];
  for (const a of parsed) {
    for (const t of a.types.values()) {
      for (const [field, own] of t.fields) {
        const target = a.types.get(t.returns.get(field)!);
        if (!target?.entity || target.resolvableEntity) continue;
        const req = merge(own, t.requirement);
        for (const b of parsed) {
          if (b === a || !b.types.get(target.name)?.resolvableEntity) continue;
          const rule = entityRules(b.tree)[target.name];
          if (!rule || implies(admittedBy(req), rule.guarantee)) continue;
          const needed = [...rule.guarantee.permissions];
          problems.push(
            `${a.name} ${t.name}.${field}: its ${target.name} references are resolved by ${b.name} for ${printGuarantee(rule.guarantee)} ` +
              `(${ENTITIES}.${target.name}: ${ruleName(rule)}), but the field requires ${printRequirement(req)}` +
              (needed.length > 0 ? `: declare @requiresScopes(scopes: [${JSON.stringify(needed)}]) on it` : ''),
          );
        }
      }
    }
  }
  return problems;
}
