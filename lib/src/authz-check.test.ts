// The agreement of a subgraph's SDL and permission tree, rule by rule: each case shows what is
// accepted and what is refused, for root fields, non-root fields, entity references, and the
// references one subgraph hands another.
import { describe, expect, it } from 'vitest';
import { authzDisagreements, referenceDisagreements, unmetRequirement } from './authz-check.ts';
import {
  allow,
  and,
  deny,
  federationRules,
  hasInternalScope,
  hasPermission,
  hasRole,
  isAuthenticated,
  isInternal,
  isUserOrInternal,
  or,
  ownerOrAdmin,
  policy,
  type PermissionTree,
  type Rule,
} from './shield.ts';

const sdl = /* GraphQL */ `
  type Query {
    me: String @authenticated
    stats: Int @requiresScopes(scopes: [["jobs:read"]])
  }
  type Mutation {
    login(email: String!): String
    lease: Int @requiresScopes(scopes: [["internal:jobs.worker"]])
    cancel(id: ID!): Boolean @requiresScopes(scopes: [["jobs:cancel"]])
  }
  type Job @key(fields: "id") {
    id: ID!
    note: String @requiresScopes(scopes: [["jobs:admin"]])
    owner: User
  }
  type User @key(fields: "id", resolvable: false) {
    id: ID!
  }
`;
const owner = ownerOrAdmin('thing', async () => null, 'jobs:admin');
const good: PermissionTree = {
  Query: { ...federationRules, me: isAuthenticated, stats: hasPermission('jobs:read') },
  Mutation: {
    login: allow,
    lease: hasInternalScope('internal:jobs.worker'),
    cancel: and(hasPermission('jobs:cancel'), owner),
  },
  Job: { note: hasPermission('jobs:admin') },
  entities: { Job: hasPermission('jobs:read') },
};

describe('authzDisagreements', () => {
  it('reports nothing when the SDL and the tree agree', () => {
    expect(authzDisagreements(sdl, good)).toEqual([]);
  });

  it('root fields: a missing rule, a rule weaker than the directive, allow on a guarded field', () => {
    const problems = authzDisagreements(sdl, {
      ...good,
      Query: { ...federationRules, me: allow, stats: isAuthenticated },
      Mutation: { login: allow, lease: isUserOrInternal },
    });
    expect(problems).toEqual([
      'Query.me: the SDL requires @authenticated but the tree allows anyone',
      'Query.stats: the SDL requires @requiresScopes(scopes: [["jobs:read"]]) but its rule isAuthenticated: a user passes it without jobs:read',
      'Mutation.lease: the SDL requires @requiresScopes(scopes: [["internal:jobs.worker"]]) but its rule isUserOrInternal: a user passes it without internal:jobs.worker',
      'Mutation.cancel: no rule in the permission tree',
    ]);
  });

  it('root fields: no directive means public, so the rule must be allow', () => {
    expect(authzDisagreements(sdl, { ...good, Mutation: { ...good.Mutation, login: isAuthenticated } })).toEqual([
      'Mutation.login: no @authenticated/@requiresScopes in the SDL makes it public, but its rule is isAuthenticated: declare the access in the SDL, or allow it',
    ]);
  });

  it('accepts rules that guarantee more than asked: and(), a higher role, or refusing everyone', () => {
    const stricter: PermissionTree = {
      ...good,
      Query: {
        ...federationRules,
        me: hasRole('viewer'),
        stats: and(isAuthenticated, hasPermission('jobs:read', 'x:y')),
      },
      Job: { note: deny },
    };
    expect(authzDisagreements(sdl, stricter)).toEqual([]);
  });

  it('or() guarantees only what each branch does', () => {
    const either = or(hasPermission('jobs:read'), hasInternalScope('internal:jobs.stats'));
    expect(authzDisagreements(sdl, { ...good, Query: { ...good.Query, stats: either } })).toEqual([
      'Query.stats: the SDL requires @requiresScopes(scopes: [["jobs:read"]]) but its rule or: an internal caller passes it without jobs:read',
    ]);
    const scopes = { authenticated: false, scopes: [[['jobs:read'], ['internal:jobs.stats']]] };
    expect(unmetRequirement(either.guarantee, scopes)).toBeUndefined();
  });

  it('internal scopes: the rule must hold the scope the SDL asks; any internal credential (isInternal) does not', () => {
    const tree = (lease: Rule) => ({ ...good, Mutation: { ...good.Mutation, lease } });
    expect(authzDisagreements(sdl, tree(hasInternalScope('internal:jobs.worker')))).toEqual([]);
    expect(authzDisagreements(sdl, tree(hasInternalScope('internal:jobs.worker', 'internal:extra')))).toEqual([]);
    expect(authzDisagreements(sdl, tree(isInternal))).toEqual([
      'Mutation.lease: the SDL requires @requiresScopes(scopes: [["internal:jobs.worker"]]) but its rule isInternal: an internal caller passes it without internal:jobs.worker',
    ]);
    expect(authzDisagreements(sdl, tree(hasInternalScope('internal:cpaas.outbox')))).toEqual([
      'Mutation.lease: the SDL requires @requiresScopes(scopes: [["internal:jobs.worker"]]) but its rule hasInternalScope(internal:cpaas.outbox): an internal caller passes it without internal:jobs.worker',
    ]);
    // and() adds what each part holds; or() keeps only what every internal branch holds.
    expect(authzDisagreements(sdl, tree(and(isInternal, hasInternalScope('internal:jobs.worker'))))).toEqual([]);
    expect(
      authzDisagreements(
        sdl,
        tree(or(hasInternalScope('internal:jobs.worker'), hasInternalScope('internal:cpaas.outbox'))),
      ),
    ).toHaveLength(1);
  });

  it('non-root fields: a directive without a rule, and a rule without a directive', () => {
    expect(authzDisagreements(sdl, { ...good, Job: {} })).toEqual([
      'Job.note: the SDL requires @requiresScopes(scopes: [["jobs:admin"]]) but the tree has no rule for it',
    ]);
    expect(authzDisagreements(sdl, { ...good, Job: { ...good.Job, owner: isAuthenticated } })).toEqual([
      'Job.owner: the tree guards it (isAuthenticated) but the SDL declares no access on it',
    ]);
    expect(authzDisagreements(sdl, { ...good, Job: { '*': hasPermission('jobs:admin') } })).toEqual([
      'Job.*: the tree guards every field but the SDL declares no access on the type',
    ]);
  });

  it('entities: a resolvable @key type needs an entity rule; a resolvable: false one needs none', () => {
    expect(authzDisagreements(sdl, { ...good, entities: {} })).toEqual([
      'Job: a resolvable @key type without an entity rule (entities.Job): who may resolve a reference to it must be declared',
    ]);
    expect(authzDisagreements(sdl, { ...good, entities: { ...good.entities, User: isAuthenticated } })).toEqual([
      'entities.User: not a type this subgraph resolves by a @key',
    ]);
  });

  it('entities: the rule guarantees a type-level directive', () => {
    const typed = sdl.replace('type Job @key(fields: "id") {', 'type Job @key(fields: "id") @authenticated {');
    // The type-level directive also applies to the type's own fields.
    const tree = { ...good, Job: { note: hasPermission('jobs:admin'), '*': isAuthenticated } };
    expect(authzDisagreements(typed, { ...tree, entities: { Job: isUserOrInternal } })).toEqual([
      'entities.Job: the SDL requires @authenticated but it admits internal callers, and @authenticated means a user token',
    ]);
    expect(authzDisagreements(typed, tree)).toEqual([]);
  });

  it('tree entries the SDL lacks, and an open _entities', () => {
    expect(
      authzDisagreements(sdl, {
        ...good,
        Query: { ...good.Query, _entities: allow },
        Mutation: { ...good.Mutation, ghost: isAuthenticated },
      }),
    ).toEqual([
      'Query._entities: must not be open to anyone',
      'Mutation.ghost: in the permission tree but not in the SDL',
    ]);
  });

  it('a policy declares what it guarantees; by default it guarantees nothing', () => {
    const vague = policy('vague', () => true);
    const userOnly = policy('userOnly', () => true, { callers: ['user'] });
    expect(authzDisagreements(sdl, { ...good, Query: { ...good.Query, me: vague } })).toEqual([
      'Query.me: the SDL requires @authenticated but its rule vague: it admits anonymous callers',
    ]);
    expect(authzDisagreements(sdl, { ...good, Query: { ...good.Query, me: userOnly } })).toEqual([]);
  });
});

describe('referenceDisagreements', () => {
  const users = /* GraphQL */ `
    type Query {
      me: User @authenticated
    }
    type User @key(fields: "id") {
      id: ID!
    }
  `;
  const usersTree: PermissionTree = {
    Query: { ...federationRules, me: isAuthenticated },
    entities: { User: hasPermission('users:read') },
  };

  it("asks a field handing out another subgraph's references to declare what its entity rule requires", () => {
    expect(
      referenceDisagreements([
        { name: 'jobs', sdl, tree: good },
        { name: 'users', sdl: users, tree: usersTree },
      ]),
    ).toEqual([
      'jobs Job.owner: its User references are resolved by users for user holding users:read (entities.User: hasPermission(users:read)), but the field requires nothing: declare @requiresScopes(scopes: [["users:read"]]) on it',
    ]);
    const declared = sdl.replace('owner: User', 'owner: User @requiresScopes(scopes: [["users:read"]])');
    const tree = { ...good, Job: { ...good.Job, owner: hasPermission('users:read') } };
    expect(authzDisagreements(declared, tree)).toEqual([]);
    expect(
      referenceDisagreements([
        { name: 'jobs', sdl: declared, tree },
        { name: 'users', sdl: users, tree: usersTree },
      ]),
    ).toEqual([]);
  });
});
