// Layer-2 authorization rules as lib describes them: every subgraph builds its permission tree
// from these (never from graphql-shield directly). A rule carries what the platform needs to know
// about it besides running it:
//  - its name (graphql-shield caches results by name; the schema check compares rules by it);
//  - what passing it guarantees about the caller (which kinds of caller, which permissions), so
//    lib and the schema check can prove it agrees with the field's @authenticated/@requiresScopes;
//  - the permissions it refers to, so the role table can be checked for permissions that guard nothing.
// lib/src/shield.ts turns rules into graphql-shield rules for fields (graphql-shield is the engine
// there); entity references, which are not fields, are checked with `check` below, so a rule means
// the same wherever it applies.
import type { GraphQLResolveInfo } from 'graphql';
import type { Caller, UserCaller } from './claims.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { hasRoleAtLeast, ROLE_PERMISSIONS, ROLES, type Role } from './permissions.ts';

/** What every rule may read from the context. */
export interface RuleContext {
  caller: Caller;
}

/** A rule's answer: true passes; false or an Error refuses (the Error is what the caller sees). */
export type Verdict = boolean | Error;

export type RuleFunction<Ctx extends RuleContext = RuleContext, Parent = unknown, Args = Record<string, unknown>> = (
  parent: Parent,
  args: Args,
  ctx: Ctx,
  info: GraphQLResolveInfo,
) => Verdict | Promise<Verdict>;

export type CallerKind = Caller['kind'];
const ALL_CALLERS: readonly CallerKind[] = ['user', 'internal', 'anonymous'];

/** What a caller who passes a rule is known to be. */
export interface Guarantee {
  /** The kinds of caller that may pass (none: the rule refuses everyone). */
  callers: ReadonlySet<CallerKind>;
  /** Permissions every user who passes holds. */
  permissions: ReadonlySet<string>;
  /** Internal scopes (`internal:*`) every internal caller who passes holds (absent: none). */
  scopes?: ReadonlySet<string>;
}

/**
 * How graphql-shield caches a rule's result within a request: 'contextual' once per request (the
 * rule reads only the caller), 'strict' per parent and arguments, 'no_cache' never.
 */
export type RuleCache = 'contextual' | 'strict' | 'no_cache';

export interface Rule {
  readonly kind: 'allow' | 'deny' | 'rule' | 'and' | 'or' | 'not';
  /** A leaf's name; for allow, deny and the logic rules their kind. */
  readonly name: string;
  /** The rules a logic rule combines. */
  readonly rules: readonly Rule[];
  readonly guarantee: Guarantee;
  /** Every permission the rule (or any rule inside it) checks. */
  readonly permissions: ReadonlySet<string>;
  /** A leaf's check. */
  readonly fn?: RuleFunction<RuleContext, unknown, unknown>;
  readonly cache: RuleCache;
}

const guarantee = (
  callers: readonly CallerKind[],
  permissions: Iterable<string> = [],
  scopes: Iterable<string> = [],
): Guarantee => ({
  callers: new Set(callers),
  permissions: new Set(permissions),
  scopes: new Set(scopes),
});

/** The internal scopes a guarantee promises (none when it says nothing about them). */
export const scopesOfGuarantee = (g: Guarantee): ReadonlySet<string> => g.scopes ?? new Set<string>();

export const allow: Rule = Object.freeze({
  kind: 'allow',
  name: 'allow',
  rules: [],
  guarantee: guarantee(ALL_CALLERS),
  permissions: new Set<string>(),
  cache: 'contextual',
});

export const deny: Rule = Object.freeze({
  kind: 'deny',
  name: 'deny',
  rules: [],
  guarantee: guarantee([]),
  permissions: new Set<string>(),
  cache: 'contextual',
});

/** The parametrised built-ins made so far, one instance per name (see `builtin`). */
const builtins = new Map<string, Rule>();

export interface PolicyOptions {
  /** How graphql-shield caches the result (default 'strict': the rule reads the parent or arguments). */
  cache?: RuleCache;
  /** The kinds of caller the rule can ever pass (default: any); the agreement checks rely on it. */
  callers?: readonly CallerKind[];
  /** Permissions every user who passes holds (default: none). */
  guarantees?: readonly string[];
  /** Internal scopes every internal caller who passes holds (default: none). */
  scopes?: readonly string[];
  /** Permissions the rule checks (a business policy's exception for administrators, say). */
  permissions?: readonly string[];
}

/**
 * A named rule. Within one permission tree names are unique (graphql-shield caches results by
 * name, so two rules sharing one would share answers): lib refuses a tree that breaks this.
 */
export function policy<Ctx extends RuleContext = RuleContext, Parent = unknown, Args = Record<string, unknown>>(
  name: string,
  fn: RuleFunction<Ctx, Parent, Args>,
  opts: PolicyOptions = {},
): Rule {
  if (!/^[A-Za-z][\w:(),.-]*$/.test(name)) throw new Error(`rule name "${name}" is not a plain identifier`);
  return Object.freeze({
    kind: 'rule',
    name,
    rules: [],
    guarantee: guarantee(opts.callers ?? ALL_CALLERS, opts.guarantees, opts.scopes),
    permissions: new Set([...(opts.permissions ?? []), ...(opts.guarantees ?? [])]),
    fn: fn as RuleFunction<RuleContext, unknown, unknown>,
    cache: opts.cache ?? 'strict',
  });
}

/** A parametrised built-in: one instance per name, made on first use. */
function builtin(name: string, make: () => Rule): Rule {
  let rule = builtins.get(name);
  if (!rule) builtins.set(name, (rule = make()));
  return rule;
}

const intersect = <T>(sets: readonly ReadonlySet<T>[]): Set<T> =>
  sets.length === 0 ? new Set() : new Set([...sets[0]!].filter((x) => sets.every((s) => s.has(x))));
const union = <T>(sets: readonly ReadonlySet<T>[]): Set<T> => new Set(sets.flatMap((s) => [...s]));

/** A logic rule over `rules`: what it checks is what they check, its guarantee as given. */
function logic(kind: 'and' | 'or' | 'not', rules: Rule[], guarantee: Guarantee): Rule {
  if (rules.length === 0) throw new Error(`${kind}() needs at least one rule`);
  return Object.freeze({
    kind,
    name: kind,
    rules,
    guarantee,
    permissions: union(rules.map((r) => r.permissions)),
    cache: 'no_cache',
  });
}

/** Passes when every rule passes. */
export const and = (...rules: Rule[]): Rule =>
  logic('and', rules, {
    callers: intersect(rules.map((r) => r.guarantee.callers)),
    permissions: union(rules.map((r) => r.guarantee.permissions)),
    scopes: union(rules.map((r) => scopesOfGuarantee(r.guarantee))),
  });

/** Passes when any rule passes. A user passes through one that admits users: only what all of those guarantee holds. */
export const or = (...rules: Rule[]): Rule =>
  logic('or', rules, {
    callers: union(rules.map((r) => r.guarantee.callers)),
    permissions: intersect(rules.filter((r) => r.guarantee.callers.has('user')).map((r) => r.guarantee.permissions)),
    scopes: intersect(
      rules.filter((r) => r.guarantee.callers.has('internal')).map((r) => scopesOfGuarantee(r.guarantee)),
    ),
  });

/** Passes when the rule refuses. Guarantees nothing. */
export const not = (rule: Rule): Rule => logic('not', [rule], guarantee(ALL_CALLERS));

// ---------------------------------------------------------------- the platform's rules

const userOf = (ctx: RuleContext): UserCaller | Error =>
  ctx.caller.kind === 'user'
    ? ctx.caller
    : ctx.caller.kind === 'internal'
      ? forbidden('A user token is required')
      : unauthenticated();

/**
 * A rule only a verified user can pass: anonymous callers are UNAUTHENTICATED, internal ones
 * FORBIDDEN, and `check` decides for the user.
 */
function userPolicy<Ctx extends RuleContext = RuleContext, Parent = unknown, Args = Record<string, unknown>>(
  name: string,
  check: (user: UserCaller, parent: Parent, args: Args, ctx: Ctx) => Verdict | Promise<Verdict>,
  opts: Omit<PolicyOptions, 'callers'>,
): Rule {
  return policy<Ctx, Parent, Args>(
    name,
    (parent, args, ctx) => {
      const user = userOf(ctx);
      return user instanceof Error ? user : check(user, parent, args, ctx);
    },
    { ...opts, callers: ['user'] },
  );
}

/** Refuses anonymous and internal callers: a verified user token is required. */
export const isAuthenticated = userPolicy('isAuthenticated', () => true, { cache: 'contextual' });

/**
 * Any of the platform's own callers (an internal credential, whatever its scopes); any user token
 * is refused. A field for some internal callers only wants `hasInternalScope`.
 */
export const isInternal = policy(
  'isInternal',
  (_p, _a, ctx) => (ctx.caller.kind === 'internal' ? true : forbidden('Internal callers only')),
  { cache: 'contextual', callers: ['internal'] },
);

/** What every internal scope starts with: `internal:<area>.<action>`, e.g. `internal:jobs.worker`. */
export const INTERNAL_SCOPE_PREFIX = 'internal:';
export const isInternalScope = (scope: string): boolean =>
  scope.startsWith(INTERNAL_SCOPE_PREFIX) && scope.length > INTERNAL_SCOPE_PREFIX.length;

/**
 * An internal credential granted every one of `scopes` (`internal:*`), as the SDL's
 * @requiresScopes(scopes: [[...]]) on the field asks; users, anonymous callers and internal
 * credentials without them are FORBIDDEN.
 */
export function hasInternalScope(...scopes: string[]): Rule {
  if (scopes.length === 0) throw new Error('hasInternalScope() needs a scope');
  for (const s of scopes)
    if (!isInternalScope(s))
      throw new Error(`hasInternalScope(${s}): internal scopes start with ${INTERNAL_SCOPE_PREFIX}`);
  const name = `hasInternalScope(${scopes.join(',')})`;
  return builtin(name, () =>
    policy(
      name,
      (_p, _a, ctx) => {
        if (ctx.caller.kind !== 'internal') return forbidden('Internal callers only');
        const held = ctx.caller.scopes;
        const missing = scopes.filter((s) => !held.includes(s));
        return missing.length === 0 ? true : forbidden(`Missing required scope: ${missing.join(', ')}`, [...scopes]);
      },
      { cache: 'contextual', callers: ['internal'], scopes },
    ),
  );
}

/** A verified user or an internal caller (e.g. the gateway resolving entities for a worker). */
export const isUserOrInternal = policy(
  'isUserOrInternal',
  (_p, _a, ctx) => (ctx.caller.kind === 'anonymous' ? unauthenticated() : true),
  { cache: 'contextual', callers: ['user', 'internal'] },
);

/**
 * The FORBIDDEN a user lacking any of `permissions` gets, or undefined when they hold them all.
 */
export function missingPermissions(user: UserCaller, permissions: readonly string[]) {
  const missing = permissions.filter((p) => !user.permissions.includes(p));
  return missing.length === 0
    ? undefined
    : forbidden(`Missing required permission: ${missing.join(', ')}`, [...permissions]);
}

/** The user holds every one of `permissions` (granted by a role or by the token's claim). */
export function hasPermission(...permissions: string[]): Rule {
  if (permissions.length === 0) throw new Error('hasPermission() needs a permission');
  const name = `hasPermission(${permissions.join(',')})`;
  return builtin(name, () =>
    userPolicy(name, (user) => missingPermissions(user, permissions) ?? true, {
      cache: 'contextual',
      guarantees: permissions,
    }),
  );
}

/** The user has `role` or a higher one (and so every permission that role grants). */
export function hasRole(role: Role): Rule {
  if (!ROLES.includes(role)) throw new Error(`hasRole(${String(role)}): not a role`);
  const name = `hasRole(${role})`;
  return builtin(name, () =>
    userPolicy(name, (user) => (hasRoleAtLeast(user.roles, role) ? true : forbidden(`Requires the ${role} role`)), {
      cache: 'contextual',
      guarantees: [...ROLE_PERMISSIONS[role]],
    }),
  );
}

/**
 * Business policy: the resource's owner, or a user holding `adminPermission`. `ownerOf` loads
 * the owner id (through a DataLoader); a resource that does not exist (null) passes so the
 * resolver answers NOT_FOUND, which RLS already confines to the caller's tenant.
 */
export function ownerOrAdmin<Ctx extends RuleContext, Args>(
  name: string,
  ownerOf: (args: Args, ctx: Ctx) => Promise<string | null | undefined>,
  adminPermission: string,
): Rule {
  return userPolicy<Ctx, unknown, Args>(
    `ownerOrAdmin(${name})`,
    async (user, _p, args, ctx) => {
      if (user.permissions.includes(adminPermission)) return true;
      const owner = await ownerOf(args, ctx);
      return owner == null || owner === user.userId
        ? true
        : forbidden('Only its owner or an administrator may do this', [adminPermission]);
    },
    { cache: 'strict', permissions: [adminPermission] },
  );
}

/**
 * Business policy on an object's own fields: the user the object is (its `id`), or a user holding
 * `adminPermission` (e.g. who may read another user's roles).
 */
export function selfOrAdmin(name: string, adminPermission: string): Rule {
  return userPolicy<RuleContext, { id?: unknown }>(
    `selfOrAdmin(${name})`,
    (user, parent) =>
      user.permissions.includes(adminPermission) || parent?.id === user.userId
        ? true
        : forbidden('Only the user themselves or an administrator may read this', [adminPermission]),
    { cache: 'strict', permissions: [adminPermission] },
  );
}

/** Rules for the fields every federated subgraph has. */
export const federationRules = {
  /** The SDL is what composition reads; it holds nothing a caller's token protects. */
  _service: allow,
  /** Entities: a verified caller; each entity type's own rule (`entities`) decides the rest. */
  _entities: isUserOrInternal,
};

// ---------------------------------------------------------------- checking outside graphql-shield

/** A rule's settled answer: pass, or the error to refuse with; synchronous when the rule was. */
type Settled = true | Error;
type MaybeAsync = Settled | Promise<Settled>;

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
const refused = (v: Verdict): Error => (v instanceof Error ? v : forbidden('Not allowed'));
const settle = (v: Verdict): Settled => (v === true ? true : refused(v));

/** Contextual leaves' answers per request context, by rule name (as graphql-shield caches them). */
const contextual = new WeakMap<object, Map<string, MaybeAsync>>();

function leaf(rule: Rule, parent: unknown, args: unknown, ctx: RuleContext, info: GraphQLResolveInfo): MaybeAsync {
  const run = (): MaybeAsync => {
    let out: Verdict | Promise<Verdict>;
    try {
      out = rule.fn!(parent, args, ctx, info);
    } catch (err) {
      return toError(err);
    }
    return isThenable(out) ? Promise.resolve(out).then(settle, toError) : settle(out);
  };
  if (rule.cache !== 'contextual') return run();
  let cache = contextual.get(ctx);
  if (!cache) contextual.set(ctx, (cache = new Map()));
  const known = cache.get(rule.name);
  if (known !== undefined) return known;
  const answer = run();
  cache.set(rule.name, answer);
  if (answer instanceof Promise) void answer.then((v) => cache.set(rule.name, v));
  return answer;
}

/** `and` stops at the first refusal, `or` at the first pass; synchronous as long as the rules are. */
function evaluate(rule: Rule, parent: unknown, args: unknown, ctx: RuleContext, info: GraphQLResolveInfo): MaybeAsync {
  const each = (i: number, first: Error | undefined): MaybeAsync => {
    if (i === rule.rules.length) return rule.kind === 'and' ? true : (first ?? forbidden('Not allowed'));
    const next = (v: Settled): MaybeAsync =>
      rule.kind === 'and' ? (v === true ? each(i + 1, first) : v) : v === true ? true : each(i + 1, first ?? v);
    const v = evaluate(rule.rules[i]!, parent, args, ctx, info);
    return v instanceof Promise ? v.then(next) : next(v);
  };
  switch (rule.kind) {
    case 'allow':
      return true;
    case 'deny':
      return forbidden('Not allowed');
    case 'rule':
      return leaf(rule, parent, args, ctx, info);
    case 'and':
    case 'or':
      return each(0, undefined);
    case 'not': {
      const inverted = (v: Settled): Settled => (v === true ? forbidden('Not allowed') : true);
      const v = evaluate(rule.rules[0]!, parent, args, ctx, info);
      return v instanceof Promise ? v.then(inverted) : inverted(v);
    }
  }
}

/**
 * Runs a rule where graphql-shield does not (an entity reference): true, or the error to refuse
 * with. `and` stops at the first refusal, `or` at the first pass; a rule that throws refuses with
 * what it threw.
 */
export async function check(
  rule: Rule,
  parent: unknown,
  args: unknown,
  ctx: RuleContext,
  info: GraphQLResolveInfo,
): Promise<true | Error> {
  return evaluate(rule, parent, args, ctx, info);
}

/** Whether a rule's answer depends on the caller alone (every leaf cached 'contextual'): the same all request long. */
export const readsCallerOnly = (rule: Rule): boolean =>
  rule.kind === 'allow' || rule.kind === 'deny'
    ? true
    : rule.kind === 'rule'
      ? rule.cache === 'contextual'
      : rule.rules.every(readsCallerOnly);

const settled = new WeakMap<object, Map<Rule, MaybeAsync>>();

/**
 * A caller-only rule's answer for this request (`readsCallerOnly`): worked out once, then served
 * synchronously from the request's context, so a rule on a field of every row of a long list
 * costs one check, not one per row.
 */
export function requestVerdict(rule: Rule, ctx: RuleContext, info: GraphQLResolveInfo): MaybeAsync {
  let byRule = settled.get(ctx);
  if (!byRule) settled.set(ctx, (byRule = new Map()));
  const known = byRule.get(rule);
  if (known !== undefined) return known;
  const answer = evaluate(rule, undefined, {}, ctx, info);
  byRule.set(rule, answer);
  if (answer instanceof Promise) void answer.then((v) => byRule.set(rule, v));
  return answer;
}

// ---------------------------------------------------------------- describing rules

/** A rule as data, for schema/access.json: a leaf's name, or a logic rule over others. */
export type RuleDescription =
  string | { and: RuleDescription[] } | { or: RuleDescription[] } | { not: RuleDescription };

export function describeRule(rule: Rule): RuleDescription {
  switch (rule.kind) {
    case 'allow':
    case 'deny':
    case 'rule':
      return rule.name;
    case 'and':
      return { and: rule.rules.map(describeRule) };
    case 'or':
      return { or: rule.rules.map(describeRule) };
    case 'not':
      return { not: describeRule(rule.rules[0]!) };
  }
}

export const isRule = (v: unknown): v is Rule =>
  typeof v === 'object' && v !== null && 'kind' in v && 'guarantee' in v && 'permissions' in v;
