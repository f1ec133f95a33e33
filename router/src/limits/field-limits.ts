// Enforces the limits subgraphs declare with their fields (declared.ts reads them from the
// supergraph), after the operation gate and before anything is planned or sent to a subgraph.
//
// @rateLimit: every selection of a limited field in the checked operation (root or nested,
// through fragments; one selection merged from several places counts once, each alias counts)
// takes one point from the field's counter for the declared scope: the user, the tenant, the
// client address, or an argument's value (trimmed, lowercased and hashed: no email sits in the
// store in clear). All or nothing: when one counter refuses, what this request took from the
// others is given back, and the answer is 429 RATE_LIMITED with Retry-After.
//
// @lockout (OWASP login protection, rate-limiter-flexible's "login endpoint protection"): before
// the call, a locked (account, client address) pair or a blocked address is refused (429) and
// nothing else is counted, so an address that is locked out cannot spend an account's declared
// limits; after the call, the plugin reads the field's outcome from the response: UNAUTHENTICATED
// counts a failure for the pair and for the address (from the `failures`-th consecutive failure
// on, the pair is locked for `lock` seconds, doubled with every further failure up to `maxLock`;
// `addressFailures` failures in `addressWindow` block the address), data resets the pair.
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler, Response } from 'express';
import {
  Kind,
  getNamedType,
  isInterfaceType,
  isObjectType,
  valueFromASTUntyped,
  visit,
  type DirectiveNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { normaliseArgumentValue } from '@eventzr/lib/limits-spec';
import type { Logger } from '@eventzr/lib/logger';
import type { RouterContext } from '../context.ts';
import { sendRouterError } from '../http.ts';
import type { CheckedOperation } from '../operation.ts';
import type { DeclaredLimits, DeclaredLockout, FieldLimits } from './declared.ts';
import { holdForRefund, sendRateLimited, sentVariables } from './http.ts';
import type { Limiters, LimitVerdict } from './limiter.ts';

/** One selection of a limited field in an operation. */
export interface LimitedSelection {
  coordinate: string;
  limits: FieldLimits;
  node: FieldNode;
  /** Response path of the selection, e.g. ["importJobs"] or ["a", "b"] (list indexes left out). */
  path: string[];
}

/** Fields visited while collecting (fragment spreads expanded); more is refused as too large to check. */
const MAX_VISITS = 50_000;

class TooLarge extends Error {}

type Variables = Record<string, unknown>;

function included(directives: readonly DirectiveNode[] | undefined, variables: Variables): boolean {
  for (const d of directives ?? []) {
    if (d.name.value !== 'skip' && d.name.value !== 'include') continue;
    const arg = d.arguments?.find((a) => a.name.value === 'if');
    const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
    if (d.name.value === 'skip' && value === true) return false;
    if (d.name.value === 'include' && value === false) return false;
  }
  return true;
}

/**
 * Every selection of a field with declared limits in `operation`, once per response path and
 * field (as GraphQL merges them), following fragments; @skip / @include honoured.
 */
export function limitedSelections(
  declared: DeclaredLimits,
  operation: Pick<CheckedOperation, 'document' | 'definition'>,
  variables: Variables,
): LimitedSelection[] {
  const { schema, fields } = declared;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of operation.document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const root = schema.getRootType(operation.definition.operation);
  if (!root) return [];
  const out: LimitedSelection[] = [];
  const seen = new Set<string>();
  let visits = 0;

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, path: string[], spreads: Set<string>) => {
    for (const sel of set.selections) {
      if (++visits > MAX_VISITS) throw new TooLarge();
      if (!included(sel.directives, variables)) continue;
      if (sel.kind === Kind.FIELD) {
        if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
        const def = parent.getFields()[sel.name.value];
        if (!def) continue;
        const key = sel.alias?.value ?? sel.name.value;
        const here = [...path, key];
        const coordinate = `${parent.name}.${def.name}`;
        const limits = fields.get(coordinate);
        const id = `${here.join('\u0000')}\u0001${coordinate}`;
        if (limits && !seen.has(id)) {
          seen.add(id);
          out.push({ coordinate, limits, node: sel, path: here });
        }
        if (sel.selectionSet) walk(sel.selectionSet, getNamedType(def.type), here, spreads);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (t) walk(sel.selectionSet, t, path, spreads);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || spreads.has(name)) continue;
        const t = schema.getType(fragment.typeCondition.name.value);
        if (t) walk(fragment.selectionSet, t, path, new Set([...spreads, name]));
      }
    }
  };
  walk(operation.definition.selectionSet, root, [], new Set());
  return out;
}

/** The value at `path` among a field's arguments (literals or variables; a variable's default applies). */
export function argumentValue(node: FieldNode, path: readonly string[], variables: Variables): unknown {
  const [first, ...rest] = path;
  const arg = node.arguments?.find((a) => a.name.value === first);
  let value: unknown = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
  for (const segment of rest) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The counter key of an argument's value: never the value itself. */
export function argumentKey(value: unknown): string {
  return createHash('sha256').update(normaliseArgumentValue(value)).digest('hex').slice(0, 32);
}

/** The request's variables, with the operation's defaults for those it does not send. */
function variablesOf(req: Parameters<typeof sentVariables>[0], definition: OperationDefinitionNode): Variables {
  const vars: Variables = { ...sentVariables(req) };
  for (const v of definition.variableDefinitions ?? [])
    if (!(v.variable.name.value in vars) && v.defaultValue)
      vars[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  return vars;
}

/** A lockout of this request, remembered until its response says how the call went. */
interface PendingLockout {
  lockout: DeclaredLockout;
  responseKey: string;
  pairKey: string;
  address: string;
}

export interface FieldLimitsOptions {
  declared: DeclaredLimits;
  limiters: Limiters;
  log: Logger;
}

export interface FieldLimitStats {
  /** Requests refused by a declared @rateLimit. */
  refused: number;
  /** Requests refused by a @lockout (a locked pair or a blocked address). */
  lockedOut: number;
  /** Failures and successes read from responses. */
  failures: number;
  successes: number;
}

export interface FieldLimitEnforcement {
  /** Express middleware after the operation gate. */
  middleware: RequestHandler;
  /** Apollo plugin: reads @lockout fields' outcomes. */
  plugin: ApolloServerPlugin<RouterContext>;
  stats: FieldLimitStats;
}

/**
 * How long a pair is locked out after its `consecutive`-th failure in a row: not at all before
 * `failures`, then `lock` seconds, doubled with each further failure, at most `maxLock`.
 */
export function lockSeconds(
  lockout: Pick<DeclaredLockout, 'failures' | 'lock' | 'maxLock'>,
  consecutive: number,
): number {
  const beyond = consecutive - lockout.failures;
  if (beyond < 0) return 0;
  // 2^beyond without overflowing: past 2^31 is past any maxLock anyway.
  return Math.min(lockout.lock * 2 ** Math.min(beyond, 31), lockout.maxLock);
}

const LOCKED = (seconds: number) => `Too many failed attempts. Try again in ${seconds} seconds.`;

export function createFieldLimits(opts: FieldLimitsOptions): FieldLimitEnforcement {
  const { declared, limiters, log } = opts;
  const stats: FieldLimitStats = { refused: 0, lockedOut: 0, failures: 0, successes: 0 };
  // By the request's checked operation (one object per request, which Apollo's copy of the
  // context shares): nothing is left behind when a later step refuses the request.
  const pending = new WeakMap<CheckedOperation, PendingLockout[]>();
  /** Whether a document names a limited field at all (per parsed document, from the gate's cache). */
  const mayCount = new WeakMap<object, boolean>();

  const names = (op: CheckedOperation): boolean => {
    let known = mayCount.get(op.document);
    if (known === undefined) {
      known = false;
      visit(op.document, {
        Field(node) {
          if (declared.fieldNames.has(node.name.value)) known = true;
        },
      });
      mayCount.set(op.document, known);
    }
    return known;
  };

  const scopeKey = (
    per: string,
    context: RouterContext,
    node: FieldNode,
    path: string[] | undefined,
    vars: Variables,
  ) => {
    const caller = context.caller;
    const address = `ip:${context.clientAddress}`;
    switch (per) {
      case 'IP':
        return address;
      case 'ARGUMENT':
        return `arg:${argumentKey(argumentValue(node, path ?? [], vars))}`;
      case 'TENANT':
        if (caller.kind === 'user') return `tenant:${caller.tenantId}`;
        break;
      default:
        if (caller.kind === 'user') return `user:${caller.userId}`;
    }
    return caller.kind === 'internal' ? `internal:${caller.credentialId}` : address;
  };

  /** The refusal of a locked pair or a blocked address, or undefined. */
  const lockedOut = async (l: PendingLockout): Promise<LimitVerdict | undefined> => {
    const { lockout } = l;
    const lock = await limiters.limiter(lockout.lockPolicy).peek(l.pairKey);
    if (!lock.allowed) return { ...lock, policy: lockout.failuresPolicy, limit: lockout.failures, remaining: 0 };
    const address = await limiters.limiter(lockout.addressPolicy).peek(l.address);
    if (address.consumed >= lockout.addressFailures)
      return {
        ...address,
        allowed: false,
        remaining: 0,
        retryAfterSeconds: Math.max(1, Math.ceil(address.resetMs / 1000)),
      };
    return undefined;
  };

  const enforce = async (context: RouterContext, res: Response, op: CheckedOperation, vars: Variables) => {
    const selections = limitedSelections(declared, op, vars);
    if (selections.length === 0) return true;

    const lockouts: PendingLockout[] = [];
    for (const s of selections) {
      const l = s.limits.lockout;
      if (!l || s.path.length !== 1) continue;
      lockouts.push({
        lockout: l,
        responseKey: s.path[0]!,
        pairKey: `${argumentKey(argumentValue(s.node, l.argument, vars))}:${context.clientAddress}`,
        address: context.clientAddress,
      });
    }
    for (const l of lockouts) {
      const refused = await lockedOut(l);
      if (refused) {
        stats.lockedOut++;
        sendRateLimited(res, refused, LOCKED(refused.retryAfterSeconds));
        return false;
      }
    }

    // Points per (counter, key): aliases and repeated selections add up.
    const wanted = new Map<
      string,
      { policy: FieldLimits['rateLimits'][number]['policy']; key: string; points: number }
    >();
    for (const s of selections)
      for (const r of s.limits.rateLimits) {
        const key = scopeKey(r.per, context, s.node, r.argument, vars);
        const id = `${r.policy.name}\u0000${key}`;
        const w = wanted.get(id);
        if (w) w.points++;
        else wanted.set(id, { policy: r.policy, key, points: 1 });
      }
    const taken = await Promise.all(
      [...wanted.values()].map(async (w) => {
        const limiter = limiters.limiter(w.policy);
        return { w, limiter, verdict: await limiter.consume(w.key, w.points) };
      }),
    );
    const refusals = taken.filter((t) => !t.verdict.allowed);
    if (refusals.length > 0) {
      // All or nothing: the counters are left as they were before this request.
      await Promise.all(taken.map((t) => t.limiter.refund(t.w.key, t.w.points)));
      const worst = refusals.reduce((a, b) => (b.verdict.retryAfterSeconds > a.verdict.retryAfterSeconds ? b : a));
      stats.refused++;
      log.info(
        {
          requestId: context.requestId,
          policy: worst.verdict.policy.name,
          retryAfter: worst.verdict.retryAfterSeconds,
        },
        'request refused by a declared field limit',
      );
      sendRateLimited(res, worst.verdict);
      return false;
    }
    if (lockouts.length > 0) pending.set(op, lockouts);
    // A later stage (cost) that refuses the request gives these back: the call never ran.
    holdForRefund(context, async () => {
      await Promise.all(taken.map((t) => t.limiter.refund(t.w.key, t.w.points)));
    });
    return true;
  };

  const middleware: RequestHandler = (req, res, next) => {
    const context = res.locals.context as RouterContext | undefined;
    const op = context?.operation;
    if (!context || !op || declared.fields.size === 0 || !names(op)) return next();
    const vars = variablesOf(req, op.definition);
    enforce(context, res, op, vars).then(
      (go) => {
        if (go) next();
      },
      (err: unknown) => {
        if (err instanceof TooLarge)
          return sendRouterError(res, 400, 'BAD_REQUEST', 'The operation is too large to check its declared limits');
        next(err);
      },
    );
  };

  const outcome = async (l: PendingLockout, failed: boolean) => {
    const { lockout } = l;
    if (!failed) {
      stats.successes++;
      await Promise.all([
        limiters.limiter(lockout.failuresPolicy).reset(l.pairKey),
        limiters.limiter(lockout.lockPolicy).reset(l.pairKey),
      ]);
      return;
    }
    stats.failures++;
    const [run] = await Promise.all([
      limiters.limiter(lockout.failuresPolicy).consume(l.pairKey),
      limiters.limiter(lockout.addressPolicy).consume(l.address),
    ]);
    const seconds = lockSeconds(lockout, run.consumed);
    if (seconds > 0) await limiters.limiter(lockout.lockPolicy).block(l.pairKey, seconds);
  };

  const plugin: ApolloServerPlugin<RouterContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const op = contextValue.operation;
          const lockouts = op && pending.get(op);
          if (!op || !lockouts || response.body.kind !== 'single') return;
          pending.delete(op);
          const result = response.body.singleResult;
          await Promise.all(
            lockouts.map(async (l) => {
              const failed = (result.errors ?? []).some(
                (e) => e.path?.[0] === l.responseKey && e.extensions?.code === 'UNAUTHENTICATED',
              );
              const data = result.data as Record<string, unknown> | null | undefined;
              if (!failed && data?.[l.responseKey] == null) return; // neither: e.g. invalid input
              try {
                await outcome(l, failed);
              } catch (err) {
                log.error({ err, requestId: contextValue.requestId }, 'login throttling could not record an outcome');
              }
            }),
          );
        },
      };
    },
  };

  return { middleware, plugin, stats };
}
