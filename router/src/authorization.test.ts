// Layer-1 decisions on their own: root field counting (aliases, fragments, merged selections)
// and what an internal caller may reach. router.test.ts shows the same refusals over HTTP.
import { buildSchema, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Caller } from '@eventzr/lib/claims';
import { operationRequirements, refusal } from './authorization.ts';
import type { FieldRequirement } from './supergraph.ts';

const schema = buildSchema(`
  type Query { me: String jobs: String lease: String }
  type Mutation { login: String register: String lease: String }
`);
const security = new Map<string, FieldRequirement>([
  ['Query.me', { authenticated: true, scopes: [] }],
  ['Query.jobs', { authenticated: false, scopes: [[['jobs:read']]] }],
  // @authenticated (say, through its type) on a field that is for internal callers.
  ['Query.lease', { authenticated: true, scopes: [[['internal:jobs.worker']]] }],
  ['Mutation.lease', { authenticated: false, scopes: [[['internal:jobs.worker']]] }],
]);

const ANON: Caller = { kind: 'anonymous' };
const INTERNAL: Caller = {
  kind: 'internal',
  service: 'scheduler',
  credentialId: 'scheduler',
  scopes: ['internal:jobs.worker'],
};
const OTHER_INTERNAL: Caller = {
  kind: 'internal',
  service: 'mailer',
  credentialId: 'mailer',
  scopes: ['internal:cpaas.outbox'],
};

function requirements(query: string) {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return operationRequirements(schema, document, operation, security);
}
const refused = (query: string, caller: Caller) => {
  const e = refusal(requirements(query), caller);
  return (
    e && { code: e.extensions.code, message: e.message, status: (e.extensions.http as { status?: number })?.status }
  );
};

describe('root field count', () => {
  it('counts response keys: aliases and fragments count, merged duplicates and __typename do not', () => {
    expect(requirements('mutation { login register __typename }').rootFieldCount).toBe(2);
    expect(requirements('mutation { a: register b: register }').rootFieldCount).toBe(2);
    expect(requirements('mutation { register register }').rootFieldCount).toBe(1);
    expect(
      requirements('mutation { register ...F ... on Mutation { c: register } } fragment F on Mutation { d: register }')
        .rootFieldCount,
    ).toBe(3);
  });

  it('an anonymous operation selects one root field at most → 400 BAD_REQUEST beyond', () => {
    expect(refused('mutation { login }', ANON)).toBeUndefined();
    expect(refused('mutation { login __typename }', ANON)).toBeUndefined();
    for (const query of [
      'mutation { a: register b: register }',
      'mutation { login register }',
      'mutation { register ...F } fragment F on Mutation { again: register }',
    ])
      expect(refused(query, ANON), query).toEqual({
        code: 'BAD_REQUEST',
        status: 400,
        message: 'An anonymous operation may select only one root field',
      });
    // Not a public field at all: still "authenticate", not a shape complaint.
    expect(refused('mutation { login lease }', ANON)?.code).toBe('UNAUTHENTICATED');
  });

  it('counts distinct root response keys; the cap on them is an operation limit, not authorization', () => {
    const user: Caller = {
      kind: 'user',
      userId: 'u',
      tenantId: '00000000-0000-4000-8000-00000000000a',
      email: '',
      name: '',
      roles: ['user'],
      permissions: ['jobs:read'],
      planTier: 'free',
      issuer: 'test',
    };
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `j${i}: jobs`).join(' ')} }`;
    expect(requirements(aliases(25)).rootFieldCount).toBe(25);
    expect(requirements('{ jobs jobs __typename ...F } fragment F on Query { jobs }').rootFieldCount).toBe(1);
    // limits/operation-limits.ts refuses 21 root fields before authorization runs (operation.test.ts).
    expect(refused(aliases(25), user)).toBeUndefined();
  });
});

describe('internal callers and @authenticated', () => {
  it('an @authenticated field needs a user token → 403, before any subgraph is called', () => {
    expect(refused('{ me }', INTERNAL)).toEqual({
      code: 'FORBIDDEN',
      status: 403,
      message: 'A user token is required',
    });
  });

  it('a field that asks for the `internal` scope stays open to internal callers, @authenticated or not', () => {
    expect(refused('{ lease }', INTERNAL)).toBeUndefined();
    expect(refused('mutation { lease }', INTERNAL)).toBeUndefined();
    expect(refused('{ lease me }', INTERNAL)?.code).toBe('FORBIDDEN');
  });

  it("a credential without the field's internal scope is refused, naming the scope", () => {
    expect(refused('mutation { lease }', OTHER_INTERNAL)).toEqual({
      code: 'FORBIDDEN',
      status: 403,
      message: 'Missing required permission: internal:jobs.worker',
    });
    expect(refusal(requirements('mutation { lease }'), OTHER_INTERNAL)?.extensions.requiredPermissions).toEqual([
      'internal:jobs.worker',
    ]);
  });
});
