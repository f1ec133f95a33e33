// Layer-2 authorization: the graphql-shield rule library every subgraph builds its permission
// tree from, and the one way a tree is applied to a schema.
import { isObjectType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddleware, type IMiddlewareTypeMap } from 'graphql-middleware';
import { allow, and, deny, or, rule, shield, type IRule, type IRules } from 'graphql-shield';
import type { Caller, UserCaller } from './claims.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { hasRoleAtLeast, type Role } from './permissions.ts';

export { allow, and, deny, or };
export type { IRules };
/** A rule or a logic rule (and/or/not) as graphql-shield builds them. */
export type ShieldRule = IRule | ReturnType<typeof and>;

/** A subgraph's authorization: type → field → rule. */
export type PermissionTree = Record<string, Record<string, ShieldRule>>;

/** What every rule may read from the context. */
export interface ShieldContext {
  caller: Caller;
}

// Every rule has a fixed name: shield caches results by name, and the schema check compares a
// field's rule between versions by it (schema/access.ts).

/** Refuses anonymous and internal callers: a verified user token is required. */
export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })((_p, _a, ctx: ShieldContext) =>
  ctx.caller.kind === 'user'
    ? true
    : ctx.caller.kind === 'internal'
      ? forbidden('A user token is required')
      : unauthenticated(),
);

/** The platform's own workers and schedulers (internal API key); any user token is refused. */
export const isInternal = rule('isInternal', { cache: 'contextual' })((_p, _a, ctx: ShieldContext) =>
  ctx.caller.kind === 'internal' ? true : forbidden('Internal callers only'),
);

/** A verified user or an internal caller (e.g. the gateway resolving entities for a worker). */
export const isUserOrInternal = rule('isUserOrInternal', { cache: 'contextual' })((_p, _a, ctx: ShieldContext) =>
  ctx.caller.kind === 'anonymous' ? unauthenticated() : true,
);

const userOf = (ctx: ShieldContext): UserCaller | Error =>
  ctx.caller.kind === 'user'
    ? ctx.caller
    : ctx.caller.kind === 'internal'
      ? forbidden('A user token is required')
      : unauthenticated();

/**
 * The FORBIDDEN a user lacking any of `permissions` gets, or undefined when they hold them all.
 * hasPermission answers with it; so does a resolver that must check by itself (an entity
 * reference: `_entities` skips the Query rules).
 */
export function missingPermissions(user: UserCaller, permissions: readonly string[]) {
  const missing = permissions.filter((p) => !user.permissions.includes(p));
  return missing.length === 0
    ? undefined
    : forbidden(`Missing required permission: ${missing.join(', ')}`, [...permissions]);
}

/** The user holds every one of `permissions` (granted by a role or by the token's claim). */
export function hasPermission(...permissions: string[]): ShieldRule {
  return rule(`hasPermission(${permissions.join(',')})`, { cache: 'contextual' })((_p, _a, ctx: ShieldContext) => {
    const user = userOf(ctx);
    if (user instanceof Error) return user;
    return missingPermissions(user, permissions) ?? true;
  });
}

/** The user has `role` or a higher one. */
export function hasRole(role: Role): ShieldRule {
  return rule(`hasRole(${role})`, { cache: 'contextual' })((_p, _a, ctx: ShieldContext) => {
    const user = userOf(ctx);
    if (user instanceof Error) return user;
    return hasRoleAtLeast(user.roles, role) ? true : forbidden(`Requires the ${role} role`);
  });
}

/**
 * Business policy: the resource's owner, or a user holding `adminPermission`. `ownerOf` loads
 * the owner id (through a DataLoader); a resource that does not exist (null) passes so the
 * resolver answers NOT_FOUND, which RLS already confines to the caller's tenant.
 */
export function ownerOrAdmin<Ctx extends ShieldContext, Args>(
  name: string,
  ownerOf: (args: Args, ctx: Ctx) => Promise<string | null | undefined>,
  adminPermission: string,
): ShieldRule {
  return rule(`ownerOrAdmin(${name})`, { cache: 'strict' })(async (_p, args: Args, ctx: Ctx) => {
    const user = userOf(ctx);
    if (user instanceof Error) return user;
    if (user.permissions.includes(adminPermission)) return true;
    const owner = await ownerOf(args, ctx);
    return owner == null || owner === user.userId
      ? true
      : forbidden('Only its owner or an administrator may do this', [adminPermission]);
  });
}

/** Rules for the fields every federated subgraph has. */
export const federationRules = {
  /** The SDL is what composition reads; it holds nothing a caller's token protects. */
  _service: allow,
  /** Entities: a verified caller; the tenant is enforced by RLS in __resolveReference. */
  _entities: isUserOrInternal,
};

const ROOT_TYPES = (schema: GraphQLSchema) =>
  [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .filter((t) => t != null)
    .map((t) => t.name);

type Tree = Record<string, Record<string, ShieldRule>>;

/**
 * Refuses, at start-up, a tree that names what the schema does not have as an object type or
 * field. graphql-shield checks unknown types and fields itself, but silently ignores rules on an
 * interface, input or other non-object type: a rule meant to guard something that guards nothing.
 */
function assertTreeMatches(schema: GraphQLSchema, tree: Tree): void {
  const problems: string[] = [];
  for (const [typeName, fields] of Object.entries(tree)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) {
      problems.push(type ? `${typeName} (not an object type)` : typeName);
      continue;
    }
    const known = type.getFields();
    for (const f of Object.keys(fields)) if (f !== '*' && !(f in known)) problems.push(`${typeName}.${f}`);
  }
  if (problems.length > 0)
    throw new Error(`permission tree names what the schema has no object type or field for: ${problems.join(', ')}`);
}

/** The non-root fields a tree entry guards: every field of its type under '*', else the ones it names. */
function namedFields(schema: GraphQLSchema, typeName: string, fields: Record<string, ShieldRule>): string[] {
  if ('*' in fields) return Object.keys((schema.getType(typeName) as GraphQLObjectType).getFields());
  return Object.keys(fields);
}

/**
 * Applies a permission tree with fallbackRule deny.
 *
 * graphql-shield wraps every field of every type by default, which turns each scalar of each
 * row into a promise: 5-7x the execution time of a 1000-row list. A non-root field can only be
 * reached through a root field (Query, Mutation, or `_entities`), so guarding every root field,
 * with deny for any the tree forgets, guards the whole graph. Non-root fields keep a wrapper
 * only where the tree names them (a field that needs more than its parent's rule), or all of a
 * type's fields when its entry has '*' (its rule applies to every field the entry does not name).
 */
export function applyShield(schema: GraphQLSchema, tree: Tree): GraphQLSchema {
  assertTreeMatches(schema, tree);
  const generator = shield(tree as IRules, {
    fallbackRule: deny,
    fallbackError: forbidden('Not allowed'),
    allowExternalErrors: true,
    debug: false,
  });
  const full = generator.generate(schema) as IMiddlewareTypeMap;
  const roots = new Set(ROOT_TYPES(schema));
  const kept: IMiddlewareTypeMap = {};
  for (const [typeName, fields] of Object.entries(full)) {
    if (roots.has(typeName)) {
      kept[typeName] = fields;
      continue;
    }
    const named = tree[typeName];
    if (!named || typeof fields !== 'object') continue;
    const guarded = new Set(namedFields(schema, typeName, named));
    const picked = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).filter(([f]) => guarded.has(f)),
    );
    if (Object.keys(picked).length > 0) kept[typeName] = picked as IMiddlewareTypeMap[string];
  }
  return applyMiddleware(schema, kept as IMiddleware);
}

/** Which fields of `schema` a tree guards once applied: for tests and schema checks. */
export function guardedFields(schema: GraphQLSchema, tree: Tree): string[] {
  assertTreeMatches(schema, tree);
  const out: string[] = [];
  for (const root of ROOT_TYPES(schema)) {
    const type = schema.getType(root) as GraphQLObjectType;
    for (const f of Object.keys(type.getFields())) out.push(`${root}.${f}`);
  }
  for (const [typeName, fields] of Object.entries(tree)) {
    if (ROOT_TYPES(schema).includes(typeName)) continue;
    for (const f of namedFields(schema, typeName, fields)) out.push(`${typeName}.${f}`);
  }
  return out.sort();
}
