// Each caller's own schema on the real supergraph (schema/supergraph.graphql for the SecurityMap,
// schema/api.graphql for what the gateway serves): exactly what the permission table lets each
// caller call (worked out independently in __fixtures__/callers.ts), the same rule layer 1
// applies, shared per capability. operation.test.ts covers validation against it,
// introspection.test.ts introspection over HTTP, test/introspection.test.ts the whole stack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildClientSchema,
  buildSchema,
  introspectionFromSchema,
  parse,
  printSchema,
  validateSchema,
  OperationTypeNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller } from '@eventzr/lib/claims';
import { ROLES } from '@eventzr/lib/permissions';
import { ROOT } from '@eventzr/lib/registry';
import {
  allowedTo,
  expectedSurface,
  fieldsIn,
  internalScopes,
  internalWith,
  surfaceOf,
  userWith,
} from './__fixtures__/callers.ts';
import { mayCall, operationRequirements, refusal, scopesOf } from './authorization.ts';
import { callerSchemaOf, callerSchemas, capabilityOf, publicSchemaOf, scopesNamed } from './caller-schema.ts';
import { loadSupergraph } from './supergraph.ts';

const security = loadSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8')).security;
const api = buildSchema(readFileSync(join(ROOT, 'schema/api.graphql'), 'utf8'));
const named = scopesNamed(security);
const schemaOf = (caller: Caller) => callerSchemaOf(api, security, capabilityOf(caller, named));

const ALL_INTERNAL = internalScopes(security);
const CALLERS: Record<string, Caller> = {
  anonymous: ANONYMOUS,
  ...Object.fromEntries(ROLES.map((role) => [role, userWith([role])])),
  // A token granting one permission and no role (an external issuer's user, say).
  reader: userWith([], ['jobs:read']),
  // A user whose token claims an internal scope: users never hold one.
  pretender: userWith(['user'], ['internal:jobs.worker']),
  internal: internalWith(ALL_INTERNAL),
  ...Object.fromEntries(ALL_INTERNAL.map((s) => [`internal ${s}`, internalWith([s], s)])),
};

describe("a caller's schema holds exactly what the permission table lets it call", () => {
  it('for every caller, as worked out from the SecurityMap and ROLE_PERMISSIONS', () => {
    for (const [name, caller] of Object.entries(CALLERS))
      expect([...surfaceOf(schemaOf(caller).schema)].sort(), name).toEqual(
        [...expectedSurface(api, security, caller)].sort(),
      );
  });

  it('viewer = user = organizer (seed 001), admin sees more, internal fields only internal callers', () => {
    const fields = (c: Caller) => new Set(fieldsIn(surfaceOf(schemaOf(c).schema), api));
    const [anon, viewer, user, organizer, admin, internal, pretender]: Set<string>[] = [
      CALLERS.anonymous!,
      CALLERS.viewer!,
      CALLERS.user!,
      CALLERS.organizer!,
      CALLERS.admin!,
      CALLERS.internal!,
      CALLERS.pretender!,
    ].map(fields) as [Set<string>, Set<string>, Set<string>, Set<string>, Set<string>, Set<string>, Set<string>];
    expect(viewer).toEqual(user);
    expect(organizer).toEqual(user);
    expect(pretender).toEqual(user);
    for (const f of user) expect(admin, f).toContain(f);
    for (const f of ['Query.workers', 'Mutation.setTenantJobQuota']) {
      expect(admin).toContain(f);
      expect(user).not.toContain(f);
    }
    for (const f of anon) expect(user, f).toContain(f);
    expect(anon).toContain('Mutation.login');
    expect(anon).not.toContain('Query.me');
    expect(user).toContain('Query.me');
    // The fields an internal scope guards: every one in the internal caller's schema, none in an admin's.
    const guarded = [...security]
      .filter(([, req]) => req.scopes.flat(2).some((s) => s.startsWith('internal:')))
      .map(([key]) => key)
      .filter(
        (key) => key.split('.')[1]! in ((api.getType(key.split('.')[0]!) as GraphQLObjectType)?.getFields() ?? {}),
      ); // not @inaccessible ones
    for (const f of ['Mutation.leaseJobs', 'Mutation.heartbeatJob', 'Mutation.completeJob', 'Mutation.failJob'])
      expect(guarded).toContain(f);
    for (const f of guarded) {
      expect(internal, f).toContain(f);
      expect(admin, f).not.toContain(f);
      expect(pretender, f).not.toContain(f);
    }
    for (const f of ['Query.me', 'Query.jobs', 'Query.workers', 'Mutation.enqueueJob'])
      expect(internal).not.toContain(f);
    // Nothing beyond the API schema: @inaccessible fields and federation's own stay out for everyone.
    for (const c of Object.values(CALLERS)) {
      const s = schemaOf(c).schema;
      expect(s.getQueryType()?.getFields()._service).toBeUndefined();
      expect(s.getQueryType()?.getFields()._entities).toBeUndefined();
      expect(s.getMutationType()?.getFields().provisionExternalIdentity).toBeUndefined();
      expect(s.getType('_Any')).toBeUndefined();
    }
  });

  it('the anonymous schema is the public schema, unchanged', () => {
    expect(printSchema(schemaOf(ANONYMOUS).schema)).toBe(printSchema(publicSchemaOf(api, security).schema));
  });

  it('every schema is a valid GraphQL schema, but for an empty Query when the caller may call no query', () => {
    for (const [name, caller] of Object.entries(CALLERS)) {
      // As a client sees it: built from its introspection (the caller schema itself skips validation).
      const client = buildClientSchema(introspectionFromSchema(schemaOf(caller).schema));
      const errors = validateSchema(client).map((e) => e.message);
      // No public query field (anonymous callers), none for internal callers (the worker protocol is
      // all mutations): an empty Query, which validates operations and introspection all the same.
      const queries = fieldsIn(expectedSurface(api, security, caller), api).filter((f) => f.startsWith('Query.'));
      expect(errors, name).toEqual(queries.length > 0 ? [] : ['Type Query must define one or more fields.']);
    }
  });

  it("mayCall is refusal()'s rule: a root field is in a caller's schema exactly when layer 1 lets it select it", () => {
    for (const [name, caller] of Object.entries(CALLERS))
      for (const [op, root] of [
        [OperationTypeNode.QUERY, api.getQueryType()!],
        [OperationTypeNode.MUTATION, api.getMutationType()!],
      ] as const) {
        const mine = schemaOf(caller).schema.getRootType(op)?.getFields() ?? {};
        for (const field of Object.keys(root.getFields())) {
          const document = parse(`${op} { ${field} }`);
          const operation = document.definitions[0] as OperationDefinitionNode;
          const passes = refusal(operationRequirements(api, document, operation, security), caller) === undefined;
          expect(field in mine, `${name} ${op}.${field}`).toBe(passes);
          expect(allowedTo(caller)(security.get(`${root.name}.${field}`)), `${name} ${field}`).toBe(passes);
          expect(mayCall(caller.kind, scopesOf(caller), security.get(`${root.name}.${field}`))).toBe(passes);
        }
      }
  });
});

describe('one schema per capability, bounded, rebuilt with the API schema', () => {
  it('10,000 users with the same roles share one schema; a permission no field names makes none', () => {
    const cache = callerSchemas(api, security);
    const first = cache.of(userWith(['user'], [], 'u0'));
    for (let i = 1; i < 10_000; i++) expect(cache.of(userWith(['user'], [], `u${i}`))).toBe(first);
    expect(cache.of(userWith(['user'], ['reports:export'], 'u-extra'))).toBe(first);
    // viewer and user hold the same permissions: the same capability.
    expect(cache.of(userWith(['viewer']))).toBe(first);
    expect(cache.builds).toBe(1);
    expect(cache.of(userWith(['admin']))).not.toBe(first);
    expect(cache.of(ANONYMOUS)).not.toBe(first);
    expect(cache.of(internalWith(ALL_INTERNAL))).not.toBe(first);
    expect(cache.builds).toBe(4);
  });

  it('keeps at most `max` schemas, least recently used out first', () => {
    const cache = callerSchemas(api, security, 2);
    const callers = [userWith(['user']), userWith(['admin']), userWith([], ['jobs:read'])];
    for (const c of callers) cache.of(c);
    expect(cache.size()).toBe(2);
    cache.of(callers[2]!);
    cache.of(callers[1]!);
    expect(cache.builds).toBe(3);
    cache.of(callers[0]!); // evicted: built again
    expect(cache.builds).toBe(4);
  });

  it('internal callers and users with the same scopes are different capabilities', () => {
    const u = capabilityOf(userWith([], ['jobs:read']), named);
    const i = capabilityOf(internalWith(['internal:jobs.worker']), named);
    expect(u.key).not.toBe(i.key);
    expect(capabilityOf(userWith([], ['internal:jobs.worker']), named).key).toBe('user:');
  });
});
