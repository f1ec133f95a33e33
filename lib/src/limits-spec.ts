// The limits a subgraph declares with its fields (seed 004's per-contract `metadata.rateLimit`):
// a custom link spec whose directives composition carries into the supergraph
// (@composeDirective), and the router enforces before any subgraph is called.
//
// A subgraph that declares limits links the spec and composes its directives:
//
//   extend schema
//     @link(url: "https://specs.apollo.dev/federation/v2.9", import: [..., "@composeDirective"])
//     @link(url: "https://eventzr.dev/limits/v0.1", import: ["@rateLimit", "@lockout"])
//     @composeDirective(name: "@rateLimit")
//     @composeDirective(name: "@lockout")
//
// and carries LIMITS_SPEC_SDL below word for word (`npm run schema:check` fails when a subgraph's
// copy differs, when the link or a @composeDirective is missing, or when a declaration is invalid:
// a window below 1, per: ARGUMENT without `argument`, an argument path the field does not have).
// The enum is namespaced by the spec (`limits__Scope`), so composition keeps it out of the API
// schema clients see.
import { parse, print, valueFromASTUntyped, type ConstDirectiveNode, type DefinitionNode } from 'graphql';

export const LIMITS_SPEC_URL = 'https://eventzr.dev/limits/v0.1';
/** The spec's name: its non-imported elements are `limits__<name>`. */
export const LIMITS_SPEC_NAME = 'limits';
/** What a subgraph imports (and composes) from the spec. */
export const LIMITS_DIRECTIVES = ['rateLimit', 'lockout'] as const;
export const LIMITS_SCOPE_ENUM = `${LIMITS_SPEC_NAME}__Scope`;

/** The spec's definitions, as every subgraph that links it must carry them. */
export const LIMITS_SPEC_SDL = `"""
A limit on how often this field may be called, enforced by the router before any subgraph is
called: past it the request is answered 429 RATE_LIMITED (retryAfter, limit, window) and nothing
runs. Repeatable: every declared limit applies, each counted on its own.
"""
directive @rateLimit(
  "Calls allowed per window (at least 1). Each selection of the field in an operation is one call."
  requests: Int!
  "The window, in seconds (at least 1)."
  window: Int!
  "Whose calls are counted together."
  per: limits__Scope = USER
  "With per: ARGUMENT, the path of the argument whose value is counted (e.g. input.email)."
  argument: String
) repeatable on FIELD_DEFINITION

"""
Failed-call throttling on a root field that checks credentials (OWASP login protection): a failure
is the field answering UNAUTHENTICATED, a success is the field answering data. Consecutive failures
of one account from one client address lock that pair out for a growing time; failures from one
client address across all accounts block the address. A success resets the pair.
"""
directive @lockout(
  "The path of the argument naming the account (e.g. input.email)."
  argument: String!
  "Consecutive failures of one account from one client address before that pair is locked out."
  failures: Int! = 5
  "The first lockout, in seconds; every further failure doubles it."
  lock: Int! = 60
  "The longest lockout, in seconds."
  maxLock: Int! = 3600
  "Failures from one client address, across all accounts, after which the address is refused."
  addressFailures: Int! = 100
  "The window of addressFailures (and how long the address stays refused), in seconds."
  addressWindow: Int! = 86400
) on FIELD_DEFINITION

"Whose calls a @rateLimit counts together."
enum limits__Scope {
  "The authenticated user (an anonymous caller: its client address; an internal caller: its credential)."
  USER
  "The user's tenant (an anonymous caller: its client address; an internal caller: its credential)."
  TENANT
  "The client address."
  IP
  "The value at the argument path given by argument, trimmed and lowercased, hashed."
  ARGUMENT
}
`;

export type LimitScope = 'USER' | 'TENANT' | 'IP' | 'ARGUMENT';
const SCOPES: readonly LimitScope[] = ['USER', 'TENANT', 'IP', 'ARGUMENT'];

export interface RateLimitDeclaration {
  requests: number;
  window: number;
  per: LimitScope;
  /** The argument path (per: ARGUMENT only), e.g. ['input', 'email']. */
  argument?: string[];
}

export interface LockoutDeclaration {
  argument: string[];
  failures: number;
  lock: number;
  maxLock: number;
  addressFailures: number;
  addressWindow: number;
}

/** The spec's definitions by name (rateLimit, lockout, limits__Scope), printed canonically. */
export const LIMITS_SPEC_DEFINITIONS: ReadonlyMap<string, string> = new Map(
  parse(LIMITS_SPEC_SDL).definitions.map((d) => [nameOf(d)!, print(d)]),
);

function nameOf(d: DefinitionNode): string | undefined {
  return 'name' in d && d.name ? d.name.value : undefined;
}

const ARGUMENT_PATH = /^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)*$/;

function argsOf(node: ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries((node.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

function path(v: unknown, what: string): string[] | string {
  if (typeof v !== 'string' || !ARGUMENT_PATH.test(v))
    return `${what} must be an argument path such as "input.email", not ${JSON.stringify(v)}`;
  return v.split('.');
}

/** A @rateLimit application's declaration, or what is wrong with it. */
export function rateLimitOf(node: ConstDirectiveNode): RateLimitDeclaration | string {
  const a = argsOf(node);
  if (!positive(a.requests)) return `requests must be an integer of at least 1, not ${JSON.stringify(a.requests)}`;
  if (!positive(a.window)) return `window must be at least 1 second, not ${JSON.stringify(a.window)}`;
  const per = (a.per ?? 'USER') as LimitScope;
  if (!SCOPES.includes(per)) return `per must be one of ${SCOPES.join(', ')}, not ${JSON.stringify(a.per)}`;
  if (per !== 'ARGUMENT') {
    if (a.argument != null) return `argument is only read with per: ARGUMENT (per is ${per})`;
    return { requests: a.requests, window: a.window, per };
  }
  if (a.argument == null) return 'per: ARGUMENT needs argument, the path of the argument to count per value';
  const p = path(a.argument, 'argument');
  return typeof p === 'string' ? p : { requests: a.requests, window: a.window, per, argument: p };
}

const LOCKOUT_DEFAULTS = { failures: 5, lock: 60, maxLock: 3600, addressFailures: 100, addressWindow: 86_400 };

/** A @lockout application's declaration, or what is wrong with it. */
export function lockoutOf(node: ConstDirectiveNode): LockoutDeclaration | string {
  const a = argsOf(node);
  const p = path(a.argument, 'argument');
  if (typeof p === 'string') return p;
  const out = { ...LOCKOUT_DEFAULTS, argument: p };
  for (const k of Object.keys(LOCKOUT_DEFAULTS) as (keyof typeof LOCKOUT_DEFAULTS)[]) {
    if (a[k] === undefined) continue;
    if (!positive(a[k])) return `${k} must be an integer of at least 1, not ${JSON.stringify(a[k])}`;
    out[k] = a[k];
  }
  if (out.maxLock < out.lock) return `maxLock (${out.maxLock}) must be at least lock (${out.lock})`;
  return out;
}

/** A field's argument or an input object's field, by its named type (wrappers removed). */
export interface InputSlot {
  name: string;
  /** The named type, e.g. LoginInput or String. */
  type: string;
}

/**
 * What is wrong with an argument path on a field, or undefined: the first segment is one of the
 * field's arguments, every next one a field of the previous input object, and the last a leaf
 * (a scalar or an enum: the value counted).
 */
export function argumentPathProblem(
  segments: readonly string[],
  fieldArguments: readonly InputSlot[],
  inputFields: (typeName: string) => readonly InputSlot[] | undefined,
): string | undefined {
  let slots: readonly InputSlot[] | undefined = fieldArguments;
  let where = 'the field';
  for (const [i, segment] of segments.entries()) {
    if (!slots)
      return `"${segments.slice(0, i).join('.')}" is not an input object: "${segments.join('.')}" goes on past a value`;
    const slot: InputSlot | undefined = slots.find((s) => s.name === segment);
    if (!slot)
      return `${where} has no ${i === 0 ? 'argument' : 'input field'} "${segment}" (argument path "${segments.join('.')}")`;
    slots = inputFields(slot.type);
    where = slot.type;
  }
  if (slots)
    return `"${segments.join('.')}" is an input object: the path must end at a value (e.g. "${segments.join('.')}.email")`;
  return undefined;
}

/** The key an argument's value is counted under: trimmed, lowercased, then hashed by the caller. */
export function normaliseArgumentValue(value: unknown): string {
  if (typeof value === 'string') return value.trim().toLowerCase();
  return value === undefined ? 'null' : JSON.stringify(value);
}
