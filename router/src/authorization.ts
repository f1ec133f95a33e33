// Layer-1 authorization: before the gateway plans anything, the operation is checked against the
// supergraph's @authenticated / @requiresScopes (a root field without them is public). A
// refusal stops the request here, so no subgraph is ever called for it.
import {
  GraphQLError,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Caller } from '@eventzr/lib/claims';
import { forbidden, unauthenticated } from '@eventzr/lib/errors';
import { internalOnly, isInternalScope } from '@eventzr/lib/authz-check';
import type { FieldRequirement, SecurityMap } from './supergraph.ts';

export { isInternalScope };

/** What an operation needs, whoever sends it. Computed once per (document, operation). */
export interface OperationRequirements {
  /** Every root field is a public one, `__typename`, or introspection. */
  publicOnly: boolean;
  /**
   * Distinct root response keys (aliases count, `__typename` does not): what executes at the root.
   * Everyone's cap on it is an operation limit (limits/operation-limits.ts, checked before this).
   */
  rootFieldCount: number;
  authenticated: boolean;
  /**
   * Some field needs a user: @authenticated without a scope an internal caller holds. A worker
   * field may be @authenticated (e.g. through its type) and still be for `internal` callers.
   */
  userRequired: boolean;
  /** Every entry must be satisfied: ALL scopes of ANY inner list. */
  scopes: string[][][];
}

const INTROSPECTION_ROOTS = new Set(['__typename', '__schema', '__type']);

function fragmentsReachable(
  selectionSet: SelectionSetNode,
  all: ReadonlyMap<string, FragmentDefinitionNode>,
  found = new Map<string, FragmentDefinitionNode>(),
): Map<string, FragmentDefinitionNode> {
  visit(selectionSet, {
    FragmentSpread(node) {
      const name = node.name.value;
      const def = all.get(name);
      if (!def || found.has(name)) return;
      found.set(name, def);
      fragmentsReachable(def.selectionSet, all, found);
    },
  });
  return found;
}

/** Root field selections, looking through fragments and inline fragments at the root. */
export function rootFields(
  selectionSet: SelectionSetNode,
  all: ReadonlyMap<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FieldNode[] {
  const out: FieldNode[] = [];
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...rootFields(sel.selectionSet, all, seen));
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const def = all.get(sel.name.value);
      if (def) out.push(...rootFields(def.selectionSet, all, seen));
    }
  }
  return out;
}

export function operationRequirements(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  security: SecurityMap,
): OperationRequirements {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const rootType = schema.getRootType(operation.operation)?.name ?? '';
  const roots = rootFields(operation.selectionSet, fragments);
  // A root field the supergraph leaves without @authenticated / @requiresScopes is public (seed
  // 004's public endpoints): every subgraph's permission tree allows exactly those to anyone, and
  // the schema check makes a new one need an approval.
  const publicOnly = roots.every(
    (f) => INTROSPECTION_ROOTS.has(f.name.value) || !security.has(`${rootType}.${f.name.value}`),
  );
  // Selections sharing a response key are merged by GraphQL and run once: count keys, not nodes.
  const rootKeys = new Set(roots.filter((f) => f.name.value !== '__typename').map((f) => (f.alias ?? f.name).value));

  const result: OperationRequirements = {
    publicOnly,
    rootFieldCount: rootKeys.size,
    authenticated: false,
    userRequired: false,
    scopes: [],
  };
  const seenScopes = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent || node.name.value.startsWith('__')) return;
      const req = security.get(`${parent.name}.${node.name.value}`);
      if (!req) return;
      result.authenticated ||= req.authenticated;
      result.userRequired ||= req.authenticated && !internalOnly(req);
      for (const s of req.scopes) {
        const key = JSON.stringify(s);
        if (!seenScopes.has(key)) {
          seenScopes.add(key);
          result.scopes.push(s);
        }
      }
    },
  });
  // The operation and only the fragments it reaches (another operation's fragments are not its concern).
  visit(operation, visitor);
  for (const def of fragmentsReachable(operation.selectionSet, fragments).values()) visit(def, visitor);
  return result;
}

/**
 * The scopes a caller holds: a user's effective permissions (never an `internal:*` scope, whatever
 * a token's `permissions` claim says); an internal credential's own scopes.
 */
export function scopesOf(caller: Caller): ReadonlySet<string> {
  if (caller.kind === 'user') return new Set(caller.permissions.filter((p) => !isInternalScope(p)));
  if (caller.kind === 'internal') return new Set(caller.scopes.filter(isInternalScope));
  return new Set();
}

/**
 * Whether a caller holding `held` (scopesOf) may select a field with requirement `req` (undefined:
 * none): the rule refusal() applies, for one field. The caller schemas (caller-schema.ts) keep
 * exactly the fields this allows, so what introspection shows a caller is what layer 1 lets it call.
 */
export function mayCall(kind: Caller['kind'], held: ReadonlySet<string>, req: FieldRequirement | undefined): boolean {
  if (!req) return true;
  if (kind === 'anonymous') return false;
  if (kind === 'internal' && req.authenticated && !internalOnly(req)) return false;
  return req.scopes.every((alternatives) => alternatives.some((all) => all.every((s) => held.has(s))));
}

/**
 * A request the router refuses for its shape, whoever sends it: 400 BAD_REQUEST, the code of
 * the router's other request refusals (batches, malformed bodies). BAD_USER_INPUT is for values
 * a resolver rejects; nothing here is about a value.
 */
function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

/** Why `caller` may not run an operation with these requirements, or undefined when it may. */
export function refusal(req: OperationRequirements, caller: Caller): GraphQLError | undefined {
  if (caller.kind === 'anonymous') {
    if (!req.publicOnly || req.authenticated || req.scopes.length > 0)
      return unauthenticated('Authentication required: send a bearer token');
    // Public mutations (register, requestPasswordReset...) are what an attacker repeats: one per
    // request, so rate limits per request are limits per attempt.
    if (req.rootFieldCount > 1) return badRequest('An anonymous operation may select only one root field');
    return undefined;
  }
  // Internal callers hold scopes, not a user: @authenticated means a user token (as the shield's
  // isAuthenticated says at layer 2), so they are refused here before any subgraph is called.
  if (caller.kind === 'internal' && req.userRequired) return forbidden('A user token is required');
  const held = scopesOf(caller);
  for (const alternatives of req.scopes) {
    if (alternatives.some((all) => all.every((s) => held.has(s)))) continue;
    // Name the smallest set that would have sufficed.
    const best =
      [...alternatives].sort(
        (a, b) => a.filter((s) => !held.has(s)).length - b.filter((s) => !held.has(s)).length,
      )[0] ?? [];
    const missing = best.filter((s) => !held.has(s));
    return forbidden(`Missing required permission: ${missing.join(', ')}`, best);
  }
  return undefined;
}
