import { describe, expect, it } from 'vitest';
import { authzDisagreements } from './authz-check.ts';
import { allow, deny, federationRules, isAuthenticated, isInternal } from './shield.ts';

const sdl = /* GraphQL */ `
  type Query {
    me: String @authenticated
    stats: Int @requiresScopes(scopes: [["jobs:read"]])
  }
  type Mutation {
    login(email: String!): String
    lease: Int @requiresScopes(scopes: [["internal"]])
  }
`;
const good = {
  Query: { ...federationRules, me: isAuthenticated, stats: isAuthenticated },
  Mutation: { login: allow, lease: isInternal },
};

describe('authzDisagreements', () => {
  it('reports nothing when the SDL and the tree agree', () => {
    expect(authzDisagreements(sdl, good)).toEqual([]);
  });

  it('reports a guarded field the tree allows, and a missing rule', () => {
    const problems = authzDisagreements(sdl, { ...good, Query: { me: allow } });
    expect(problems).toEqual(
      expect.arrayContaining([
        'Query.me: the SDL requires access but the tree allows anyone',
        'Query.stats: no rule in the permission tree',
      ]),
    );
  });

  it('reports a public field the tree refuses and an unguarded non-public field', () => {
    const problems = authzDisagreements(`type Mutation { login(email: String!): String  wipe: Boolean }`, {
      Mutation: { login: deny, wipe: isAuthenticated },
    });
    expect(problems).toEqual([
      'Mutation.login: public in the SDL but the tree does not allow it',
      'Mutation.wipe: no @authenticated/@requiresScopes and not a public field',
    ]);
  });

  it('reports a public field carrying a directive, tree-only fields, and open _entities', () => {
    const problems = authzDisagreements(`type Mutation { login(email: String!): String @authenticated }`, {
      Query: { _entities: allow },
      Mutation: { login: isAuthenticated, ghost: isAuthenticated },
    });
    expect(problems).toEqual([
      'Mutation.login: a public field must carry no @authenticated/@requiresScopes',
      'Query._entities: must not be open to anonymous callers',
      'Mutation.ghost: in the permission tree but not in the SDL',
    ]);
  });
});
