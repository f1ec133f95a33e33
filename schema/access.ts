// What protects each field, as data a schema check can compare between two versions:
//  - layer 1, the access directives the router enforces (@authenticated, @requiresScopes), read
//    from a composed supergraph exactly as the router reads them;
//  - layer 2, each subgraph's permission tree, described rule by rule from lib's rule metadata
//    into schema/access.json (committed next to the supergraph, so a base revision's rules can be
//    read back from git): a rule per field, per entity reference ("Type.__resolveReference"), and
//    the role → permission table (lib/src/permissions.ts) that decides who holds what.
// A change to either that lets through a caller the old version refused is a breaking change,
// whatever a schema diff tool calls it.
import { buildSchema, isObjectType } from 'graphql';
import { sdlTypes } from '../lib/src/authz-check.ts';
import { ROLE_PERMISSIONS, ROLES } from '../lib/src/permissions.ts';
import { describeRule, entityRules, fieldRules, type PermissionTree, type RuleDescription } from '../lib/src/shield.ts';
import { loadSupergraph, type FieldRequirement } from '../router/src/supergraph.ts';

export type { RuleDescription };

/** Subgraph → "Type.field" (or "Type.__resolveReference") → the rule guarding it. */
export type SubgraphAccess = Record<string, Record<string, RuleDescription>>;

/** schema/access.json: who holds what, and what each field and entity reference requires. */
export interface AccessManifest {
  /** Role → every permission it holds (its own grants and those of the roles below it). */
  roles: Record<string, string[]>;
  subgraphs: SubgraphAccess;
}

/** A subgraph's permission tree. */
export type ShieldTree = PermissionTree;

/** What applyShield denies a root field the tree does not name (fallbackRule). */
export const FALLBACK_DENY = 'deny (fallback)';

/** An entity reference's coordinate in access.json. */
export const referenceCoordinate = (type: string) => `${type}.__resolveReference`;

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * The rule of every field a subgraph's tree guards: every root field of its SDL (the tree's
 * rule, or FALLBACK_DENY), every non-root field the tree names or covers with '*', and every
 * resolvable entity's reference rule.
 */
export function subgraphAccess(sdl: string, tree: PermissionTree): Record<string, RuleDescription> {
  // Federation directives are left undefined: only type and field names matter here.
  const schema = buildSchema(sdl, { assumeValidSDL: true });
  const fields = fieldRules(tree);
  const out: Record<string, RuleDescription> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const entry = fields[type.name] ?? {};
    const wildcard = entry['*'];
    for (const field of Object.keys(type.getFields())) {
      const rule = entry[field] ?? wildcard;
      if (rule !== undefined) out[`${type.name}.${field}`] = describeRule(rule);
      else if (ROOT_TYPES.has(type.name)) out[`${type.name}.${field}`] = FALLBACK_DENY;
    }
  }
  const entities = entityRules(tree);
  for (const t of sdlTypes(sdl).values())
    if (t.resolvableEntity)
      out[referenceCoordinate(t.name)] = entities[t.name] ? describeRule(entities[t.name]!) : FALLBACK_DENY;
  return sortKeys(out);
}

/** The role table as access.json records it. */
export function roleTable(): Record<string, string[]> {
  return Object.fromEntries(ROLES.map((r) => [r, [...ROLE_PERMISSIONS[r]].sort()]));
}

/** The manifest of every subgraph that has a tree, with the role table (schema/access.json is this, printed). */
export function accessManifest(
  subgraphs: readonly { name: string; sdl: string }[],
  trees: Readonly<Record<string, PermissionTree>>,
  roles: Record<string, string[]> = roleTable(),
): AccessManifest {
  const out: SubgraphAccess = {};
  for (const s of subgraphs) {
    const tree = trees[s.name];
    if (tree) out[s.name] = subgraphAccess(s.sdl, tree);
  }
  return { roles, subgraphs: sortKeys(out) };
}

/**
 * Reads an access.json. Versions before the role table and entity rules held only the subgraphs'
 * field rules at the top level: read as such, with no role table to compare.
 */
export function parseAccess(text: string): { roles?: Record<string, string[]>; subgraphs: SubgraphAccess } {
  const json = JSON.parse(text) as Record<string, unknown>;
  if (json && typeof json.subgraphs === 'object' && typeof json.roles === 'object')
    return json as unknown as AccessManifest;
  return { subgraphs: json as SubgraphAccess };
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
/** Passes only for an internal credential holding these scopes. */
const INTERNAL_SCOPES = /^hasInternalScope\((.*)\)$/;
const ROLE_ORDER: readonly string[] = ROLES;
/** Named rules that pass only for a verified user (each refuses anonymous and internal callers). */
const USER_ONLY = [PERMISSION, ROLE, /^ownerOrAdmin\(/, /^selfOrAdmin\(/, /^isAuthenticated$/];

const same = (a: RuleDescription, b: RuleDescription) => JSON.stringify(a) === JSON.stringify(b);

/**
 * True when every caller `stricter` lets through, `looser` lets through too (so replacing `looser`
 * by `stricter` refuses no one `looser` refused). Sound, not complete: false means "not shown".
 */
export function ruleImplies(stricter: RuleDescription, looser: RuleDescription): boolean {
  if (same(stricter, looser) || looser === 'allow' || stricter === 'deny' || stricter === FALLBACK_DENY) return true;
  if (typeof stricter === 'object') {
    if ('and' in stricter && stricter.and.some((r) => ruleImplies(r, looser))) return true;
    if ('or' in stricter) return stricter.or.length > 0 && stricter.or.every((r) => ruleImplies(r, looser));
  }
  if (typeof looser === 'object') {
    if ('and' in looser) return looser.and.every((r) => ruleImplies(stricter, r));
    if ('or' in looser) return looser.or.some((r) => ruleImplies(stricter, r));
    return false;
  }
  if (typeof stricter !== 'string') return false;
  const [si, li] = [INTERNAL_SCOPES.exec(stricter), INTERNAL_SCOPES.exec(looser)];
  if (si && (looser === 'isInternal' || looser === 'isUserOrInternal')) return true;
  if (si && li) {
    const held = new Set(si[1]!.split(','));
    return li[1]!.split(',').every((s) => held.has(s));
  }
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

/**
 * The scope every internal caller held before each had its own credential: any `internal:*` scope
 * (held by some internal credentials only) refuses everyone it refused.
 */
const LEGACY_INTERNAL_SCOPE = 'internal';
const holds = (all: readonly string[], s: string) =>
  all.includes(s) || (s === LEGACY_INTERNAL_SCOPE && all.some((x) => x.startsWith(`${LEGACY_INTERNAL_SCOPE}:`)));

/** One @requiresScopes value (any of its lists, all scopes of that list) implies another. */
function scopesImply(stricter: string[][], looser: string[][]): boolean {
  return stricter.every((all) => looser.some((needed) => needed.every((s) => holds(all, s))));
}

/** True when requirement `stricter` refuses everyone `looser` refuses. */
export function requirementImplies(stricter: FieldRequirement | undefined, looser: FieldRequirement | undefined) {
  if (!looser) return true;
  const s = stricter ?? { authenticated: false, scopes: [] };
  if (looser.authenticated && !s.authenticated) return false;
  return looser.scopes.every((needed) => s.scopes.some((held) => scopesImply(held, needed)));
}

export type { FieldRequirement };
