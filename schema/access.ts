// What protects each field, as data a schema check can compare between two versions:
//  - layer 1, the access directives the router enforces (@authenticated, @requiresScopes), read
//    from a composed supergraph exactly as the router reads them;
//  - layer 2, each subgraph's graphql-shield tree, described rule by rule into schema/access.json
//    (committed next to the supergraph, so a base revision's rules can be read back from git).
// A change to either that lets through a caller the old version refused is a breaking change,
// whatever a schema diff tool calls it.
import { buildSchema, isObjectType } from 'graphql';
import { ROLES } from '../lib/src/permissions.ts';
import { loadSupergraph, type FieldRequirement } from '../router/src/supergraph.ts';

/** A rule as data: a named rule, allow / deny, or a logic rule over others. */
export type RuleDescription =
  | string
  | { and: RuleDescription[] }
  | { or: RuleDescription[] }
  | { chain: RuleDescription[] }
  | { race: RuleDescription[] }
  | { not: RuleDescription };

/** Subgraph → "Type.field" → the rule guarding it. Root fields without a rule are denied. */
export type AccessManifest = Record<string, Record<string, RuleDescription>>;

/** A subgraph's graphql-shield tree: type → field (or '*') → rule. */
export type ShieldTree = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** What applyShield denies a root field the tree does not name (fallbackRule). */
export const FALLBACK_DENY = 'deny (fallback)';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

interface ShieldLike {
  name?: unknown;
  constructor: { name: string };
  getRules?: () => unknown[];
}

/** Describes a graphql-shield rule by its class and name; throws on a rule it cannot name. */
export function describeRule(rule: unknown): RuleDescription {
  const r = rule as ShieldLike;
  const kind = r?.constructor?.name;
  const children = () => (r.getRules?.() ?? []).map(describeRule);
  switch (kind) {
    case 'RuleTrue':
      return 'allow';
    case 'RuleFalse':
      return 'deny';
    case 'RuleAnd':
      return { and: children() };
    case 'RuleOr':
      return { or: children() };
    case 'RuleChain':
      return { chain: children() };
    case 'RuleRace':
      return { race: children() };
    case 'RuleNot': {
      const [inner] = children();
      if (inner === undefined) throw new Error('not() without a rule');
      return { not: inner };
    }
    case 'Rule':
    case 'InputRule':
      // graphql-shield names an unnamed rule with Math.random(): not comparable across versions.
      if (typeof r.name !== 'string' || /^0\.\d+$/.test(r.name))
        throw new Error('a shield rule without a name: give rule() a name so its changes can be checked');
      return r.name;
    default:
      throw new Error(`not a graphql-shield rule: ${String(kind)}`);
  }
}

/**
 * The rule of every field a subgraph's tree guards: every root field of its SDL (the tree's
 * rule, or FALLBACK_DENY), and every non-root field the tree names or covers with '*'.
 */
export function subgraphAccess(sdl: string, tree: ShieldTree): Record<string, RuleDescription> {
  // Federation directives are left undefined: only type and field names matter here.
  const schema = buildSchema(sdl, { assumeValidSDL: true });
  const out: Record<string, RuleDescription> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const entry = tree[type.name] ?? {};
    const wildcard = entry['*'];
    for (const field of Object.keys(type.getFields())) {
      const rule = entry[field] ?? wildcard;
      if (rule !== undefined) out[`${type.name}.${field}`] = describeRule(rule);
      else if (ROOT_TYPES.has(type.name)) out[`${type.name}.${field}`] = FALLBACK_DENY;
    }
  }
  return sortKeys(out);
}

/** The manifest of every subgraph that has a tree (schema/access.json is this, printed). */
export function accessManifest(
  subgraphs: readonly { name: string; sdl: string }[],
  trees: Readonly<Record<string, ShieldTree>>,
): AccessManifest {
  const out: AccessManifest = {};
  for (const s of subgraphs) {
    const tree = trees[s.name];
    if (tree) out[s.name] = subgraphAccess(s.sdl, tree);
  }
  return sortKeys(out);
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function printRule(r: RuleDescription): string {
  if (typeof r === 'string') return r;
  if ('not' in r) return `not(${printRule(r.not)})`;
  const [op, rules] = Object.entries(r)[0] as [string, RuleDescription[]];
  return `${op}(${rules.map(printRule).join(', ')})`;
}

const PERMISSION = /^hasPermission\((.*)\)$/;
const ROLE = /^hasRole\((.*)\)$/;
const ROLE_ORDER: readonly string[] = ROLES;
/** Named rules that pass only for a verified user (each refuses anonymous and internal callers). */
const USER_ONLY = [PERMISSION, ROLE, /^ownerOrAdmin\(/, /^isAuthenticated$/];

const same = (a: RuleDescription, b: RuleDescription) => JSON.stringify(a) === JSON.stringify(b);

/**
 * True when every caller `stricter` lets through, `looser` lets through too (so replacing `looser`
 * by `stricter` refuses no one `looser` refused). Sound, not complete: false means "not shown".
 */
export function ruleImplies(stricter: RuleDescription, looser: RuleDescription): boolean {
  if (same(stricter, looser) || looser === 'allow' || stricter === 'deny' || stricter === FALLBACK_DENY) return true;
  if (typeof stricter === 'object') {
    if ('and' in stricter || 'chain' in stricter) {
      const all = 'and' in stricter ? stricter.and : stricter.chain;
      if (all.some((r) => ruleImplies(r, looser))) return true;
    }
    if ('or' in stricter || 'race' in stricter) {
      const any = 'or' in stricter ? stricter.or : stricter.race;
      return any.length > 0 && any.every((r) => ruleImplies(r, looser));
    }
  }
  if (typeof looser === 'object') {
    if ('and' in looser || 'chain' in looser) {
      const all = 'and' in looser ? looser.and : looser.chain;
      return all.every((r) => ruleImplies(stricter, r));
    }
    if ('or' in looser || 'race' in looser) {
      const any = 'or' in looser ? looser.or : looser.race;
      return any.some((r) => ruleImplies(stricter, r));
    }
    return false;
  }
  if (typeof stricter !== 'string') return false;
  if (looser === 'isUserOrInternal') return stricter === 'isInternal' || USER_ONLY.some((p) => p.test(stricter));
  if (looser === 'isAuthenticated') return USER_ONLY.some((p) => p.test(stricter));
  const [sp, lp] = [PERMISSION.exec(stricter), PERMISSION.exec(looser)];
  if (sp && lp) {
    const held = new Set(sp[1]!.split(','));
    return lp[1]!.split(',').every((p) => held.has(p));
  }
  const [sr, lr] = [ROLE.exec(stricter), ROLE.exec(looser)];
  if (sr && lr) return ROLE_ORDER.indexOf(sr[1]!) >= ROLE_ORDER.indexOf(lr[1]!) && ROLE_ORDER.includes(lr[1]!);
  return false;
}

// ---------------------------------------------------------------- layer 1 (router directives)

/** "Type.field" → what the router requires for it, read from a supergraph as the router does. */
export function routerRequirements(supergraphSdl: string): ReadonlyMap<string, FieldRequirement> {
  return loadSupergraph(supergraphSdl).security;
}

export function printRequirement(r: FieldRequirement | undefined): string {
  if (!r || (!r.authenticated && r.scopes.length === 0)) return 'none';
  const parts: string[] = [];
  if (r.authenticated) parts.push('@authenticated');
  for (const s of r.scopes) parts.push(`@requiresScopes(scopes: ${JSON.stringify(s)})`);
  return parts.join(' ');
}

/** One @requiresScopes value (any of its lists, all scopes of that list) implies another. */
function scopesImply(stricter: string[][], looser: string[][]): boolean {
  return stricter.every((all) => looser.some((needed) => needed.every((s) => all.includes(s))));
}

/** True when requirement `stricter` refuses everyone `looser` refuses. */
export function requirementImplies(stricter: FieldRequirement | undefined, looser: FieldRequirement | undefined) {
  if (!looser) return true;
  const s = stricter ?? { authenticated: false, scopes: [] };
  if (looser.authenticated && !s.authenticated) return false;
  return looser.scopes.every((needed) => s.scopes.some((held) => scopesImply(held, needed)));
}

export type { FieldRequirement };
