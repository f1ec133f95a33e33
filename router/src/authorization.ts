// Layer-1 authorization: before the gateway plans anything, the operation is checked against the
// supergraph's @authenticated / @requiresScopes and against the list of public operations. A
// refusal stops the request here, so no subgraph is ever called for it.
import {
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Caller } from '@eventzr/lib/claims';
import { forbidden, unauthenticated, type AppError } from '@eventzr/lib/errors';
import { isPublicRootField } from '@eventzr/lib/public';
import type { SecurityMap } from './supergraph.ts';

/** The scope every internal caller (platform workers, schedulers) holds, and nothing else. */
export const INTERNAL_SCOPE = 'internal';

/** What an operation needs, whoever sends it. Computed once per (document, operation). */
export interface OperationRequirements {
  /** Every root field is a public one, `__typename`, or introspection. */
  publicOnly: boolean;
  authenticated: boolean;
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

/** Root field names, looking through fragments and inline fragments at the root. */
function rootFields(
  selectionSet: SelectionSetNode,
  all: ReadonlyMap<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): string[] {
  const out: string[] = [];
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) out.push(sel.name.value);
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
  const publicOnly = rootFields(operation.selectionSet, fragments).every(
    (f) => INTROSPECTION_ROOTS.has(f) || isPublicRootField(rootType, f),
  );

  const result: OperationRequirements = { publicOnly, authenticated: false, scopes: [] };
  const seenScopes = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      const parent = typeInfo.getParentType();
      if (!parent || node.name.value.startsWith('__')) return;
      const req = security.get(`${parent.name}.${node.name.value}`);
      if (!req) return;
      result.authenticated ||= req.authenticated;
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

/** Caches requirements per parsed document (Apollo reuses the DocumentNode of a known query). */
export function requirementsCache(security: SecurityMap) {
  const cache = new WeakMap<DocumentNode, Map<string, OperationRequirements>>();
  return (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): OperationRequirements => {
    let perDoc = cache.get(document);
    if (!perDoc) cache.set(document, (perDoc = new Map()));
    const key = operation.name?.value ?? '';
    let req = perDoc.get(key);
    if (!req) perDoc.set(key, (req = operationRequirements(schema, document, operation, security)));
    return req;
  };
}

/** The scopes a caller holds: a user's effective permissions; an internal caller's `internal`. */
export function scopesOf(caller: Caller): ReadonlySet<string> {
  if (caller.kind === 'user') return new Set(caller.permissions);
  if (caller.kind === 'internal') return new Set([INTERNAL_SCOPE]);
  return new Set();
}

/** Why `caller` may not run an operation with these requirements, or undefined when it may. */
export function refusal(req: OperationRequirements, caller: Caller): AppError | undefined {
  if (caller.kind === 'anonymous') {
    if (!req.publicOnly || req.authenticated || req.scopes.length > 0)
      return unauthenticated('Authentication required: send a bearer token');
    return undefined;
  }
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
