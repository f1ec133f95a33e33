// Callers of every kind and what each may see, worked out here from the permission table and the
// SecurityMap without the router's code (caller-schema.ts), so tests can compare the two: the
// fields, types, input fields and enum values a caller's schema (or its introspection) must hold.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { userCallerFromClaims, type Caller, type InternalCaller, type UserCaller } from '@eventzr/lib/claims';
import type { FieldRequirement, SecurityMap } from '../supergraph.ts';

const TENANT = '00000000-0000-4000-8000-00000000000a';

/** A user holding what `roles` grant (lib/permissions ROLE_PERMISSIONS) plus `permissions`. */
export function userWith(roles: string[], permissions: string[] = [], sub = 'u-1'): UserCaller {
  return userCallerFromClaims(
    { sub, tenantId: TENANT, email: `${sub}@example.com`, name: sub, roles, permissions, planTier: 'starter' },
    'test',
  );
}

export const internalWith = (scopes: string[], id = 'worker'): InternalCaller => ({
  kind: 'internal',
  service: id,
  credentialId: id,
  scopes,
});

/** Every `internal:*` scope the map names. */
export const internalScopes = (security: SecurityMap): string[] =>
  [...new Set([...security.values()].flatMap((r) => r.scopes.flat(2)).filter((s) => s.startsWith('internal:')))].sort();

/**
 * May `caller` select a field with requirement `req`? Layer 1 as README states it: no requirement
 * is public; anonymous callers get nothing else; every @requiresScopes entry needs ALL scopes of
 * ANY inner list, users holding their permissions (never an internal scope), internal callers
 * their `internal:*` scopes; @authenticated means a user, unless each entry is internal-only.
 */
export function allowedTo(caller: Caller): (req: FieldRequirement | undefined) => boolean {
  const internal = (s: string) => s.startsWith('internal:');
  const held = new Set(
    caller.kind === 'user'
      ? caller.permissions.filter((p) => !internal(p))
      : caller.kind === 'internal'
        ? caller.scopes.filter(internal)
        : [],
  );
  return (req) => {
    if (!req) return true;
    if (caller.kind === 'anonymous') return false;
    const forWorkers =
      req.scopes.length > 0 && req.scopes.every((alts) => alts.some((all) => all.length > 0 && all.every(internal)));
    if (caller.kind === 'internal' && req.authenticated && !forWorkers) return false;
    return req.scopes.every((alts) => alts.some((all) => all.every((s) => held.has(s))));
  };
}

/** What a schema holds, as comparable strings: "Type", "Type.field", "Type.field(arg)", "Enum.VALUE". */
export function surfaceOf(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) if (!type.name.startsWith('__')) addType(out, type);
  return out;
}

function addType(out: Set<string>, type: GraphQLNamedType, fields?: (name: string) => boolean): void {
  out.add(type.name);
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))
    for (const f of Object.values(type.getFields())) {
      if (fields && !fields(f.name)) continue;
      out.add(`${type.name}.${f.name}`);
      if ('args' in f) for (const a of f.args) out.add(`${type.name}.${f.name}(${a.name})`);
    }
  if (isEnumType(type)) for (const v of type.getValues()) out.add(`${type.name}.${v.name}`);
}

/**
 * What `caller`'s schema must hold: walking the API schema from its roots (the query root always),
 * through the fields the caller may select, into their results and arguments, union members,
 * interfaces and their implementations, input fields; plus the standard scalars and directive
 * argument types, which every schema has.
 */
export function expectedSurface(api: GraphQLSchema, security: SecurityMap, caller: Caller): Set<string> {
  const allowed = allowedTo(caller);
  const may = (t: string, f: string) => allowed(security.get(`${t}.${f}`));
  const seen = new Map<string, GraphQLNamedType>();
  const queue: GraphQLNamedType[] = [];
  const push = (t: GraphQLNamedType | null | undefined) => {
    if (t && !seen.has(t.name)) {
      seen.set(t.name, t);
      queue.push(t);
    }
  };
  push(api.getQueryType());
  for (const root of [api.getMutationType(), api.getSubscriptionType()])
    if (root && Object.keys(root.getFields()).some((f) => may(root.name, f))) push(root);
  for (const name of ['String', 'Int', 'Float', 'Boolean', 'ID']) push(api.getType(name));
  for (const d of api.getDirectives()) for (const a of d.args) push(getNamedType(a.type));
  while (queue.length > 0) {
    const t = queue.shift()!;
    if (isObjectType(t) || isInterfaceType(t)) {
      for (const f of Object.values(t.getFields())) {
        if (!may(t.name, f.name)) continue;
        push(getNamedType(f.type));
        for (const a of f.args) push(getNamedType(a.type));
      }
      for (const i of t.getInterfaces()) push(i);
      if (isInterfaceType(t)) for (const impl of api.getPossibleTypes(t)) push(impl);
    }
    if (isUnionType(t)) for (const m of t.getTypes()) push(m);
    if (isInputObjectType(t)) for (const f of Object.values(t.getFields())) push(getNamedType(f.type));
  }
  const out = new Set<string>();
  for (const t of seen.values())
    addType(out, t, isObjectType(t) || isInterfaceType(t) ? (f) => may(t.name, f) : undefined);
  return out;
}

/** "Type.field" entries of a surface (object and interface fields only, no arguments). */
export const fieldsIn = (surface: Set<string>, schema: GraphQLSchema): string[] =>
  [...surface]
    .filter((s) => /^\w+\.\w+$/.test(s))
    .filter((s) => {
      const t = schema.getType(s.split('.')[0]!);
      return isObjectType(t) || isInterfaceType(t);
    })
    .sort();
