// applyShield as applied: a type-level '*' rule guards every field of its type, and a tree that
// names what the schema lacks is refused at start-up instead of guarding nothing.
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Caller } from './claims.ts';
import {
  allow,
  applyShield,
  deny,
  guardedFields,
  hasPermission,
  isAuthenticated,
  policy,
  type PermissionTree,
} from './shield.ts';

const typeDefs = `
  type Query { job: Job }
  type Job { id: ID! secret: String }
  interface Node { id: ID! }
  input JobInput { type: String }
`;
function schema(): GraphQLSchema {
  const built = buildSchema(typeDefs);
  built.getQueryType()!.getFields().job!.resolve = () => ({ id: '1', secret: 's3cret' });
  return built;
}

const USER: Caller = {
  kind: 'user',
  userId: 'u1',
  tenantId: '00000000-0000-4000-8000-00000000000a',
  email: '',
  name: '',
  roles: ['user'],
  permissions: [],
  planTier: 'free',
  issuer: 'test',
};

async function run(tree: PermissionTree, source: string) {
  const result = await graphql({ schema: applyShield(schema(), tree), source, contextValue: { caller: USER } });
  return {
    data: result.data,
    errors: result.errors?.map((e) => ({ path: e.path?.join('.'), code: e.extensions.code })),
  };
}

describe('applyShield', () => {
  it("keeps a non-root type's '*' rule: every field it does not name is refused", async () => {
    const denied = await run({ Query: { job: allow }, Job: { '*': deny } }, '{ job { id secret } }');
    // The non-null id is refused first and nulls the job: nothing of it is returned.
    expect(denied).toEqual({ data: { job: null }, errors: [{ path: 'job.id', code: 'FORBIDDEN' }] });
    const secretOnly = await run({ Query: { job: allow }, Job: { '*': deny } }, '{ job { secret } }');
    expect(secretOnly).toEqual({
      data: { job: { secret: null } },
      errors: [{ path: 'job.secret', code: 'FORBIDDEN' }],
    });

    const mixed = await run({ Query: { job: allow }, Job: { '*': deny, id: allow } }, '{ job { id secret } }');
    expect(mixed.data).toEqual({ job: { id: '1', secret: null } });
    expect(mixed.errors).toEqual([{ path: 'job.secret', code: 'FORBIDDEN' }]);
  });

  it('wraps only the named non-root fields when there is no wildcard', async () => {
    const named = await run({ Query: { job: allow }, Job: { secret: isAuthenticated } }, '{ job { id secret } }');
    expect(named).toEqual({ data: { job: { id: '1', secret: 's3cret' } }, errors: undefined });
  });

  it.each([
    ['an unknown type', { Query: { job: allow }, Jobb: { id: deny } }, /Jobb/],
    ['an unknown field', { Query: { job: allow }, Job: { secrett: deny } }, /Job\.secrett/],
    ['an unknown root field', { Query: { job: allow, jobs: allow } }, /Query\.jobs/],
    ['an interface', { Query: { job: allow }, Node: { id: deny } }, /Node \(not an object type\)/],
    ['an input type', { Query: { job: allow }, JobInput: { type: deny } }, /JobInput \(not an object type\)/],
  ])('refuses a tree naming %s at start-up', (_n, tree, message) => {
    expect(() => applyShield(schema(), tree as never)).toThrow(message);
    expect(() => guardedFields(schema(), tree as never)).toThrow(message);
  });
});

describe('guardedFields', () => {
  it("lists every field of a type under '*', and only the named ones otherwise", () => {
    expect(guardedFields(schema(), { Query: { job: allow }, Job: { '*': deny } })).toEqual([
      'Job.id',
      'Job.secret',
      'Query.job',
    ]);
    expect(guardedFields(schema(), { Query: { job: allow }, Job: { secret: deny } })).toEqual([
      'Job.secret',
      'Query.job',
    ]);
  });
});

describe('a non-root rule that reads only the caller', () => {
  const listDefs = `type Query { jobs: [Job!]! } type Job { id: ID! secret: String }`;
  const listSchema = () => {
    const built = buildSchema(listDefs);
    built.getQueryType()!.getFields().jobs!.resolve = () =>
      Array.from({ length: 50 }, (_, i) => ({ id: String(i), secret: `s${i}` }));
    return built;
  };

  it('is worked out once per request, however many rows it guards; a refusal still refuses each row', async () => {
    let runs = 0;
    const counted = policy('countedCallerRule', () => ++runs > 0 && USER.kind === 'user', { cache: 'contextual' });
    const schema = applyShield(listSchema(), { Query: { jobs: allow }, Job: { secret: counted } });
    const ok = await graphql({ schema, source: '{ jobs { id secret } }', contextValue: { caller: USER } });
    expect(ok.errors).toBeUndefined();
    expect((ok.data as { jobs: unknown[] }).jobs).toHaveLength(50);
    expect(runs).toBe(1);
    // A second request works it out again (the answer belongs to the request's caller).
    await graphql({ schema, source: '{ jobs { secret } }', contextValue: { caller: USER } });
    expect(runs).toBe(2);

    const refused = applyShield(listSchema(), { Query: { jobs: allow }, Job: { secret: hasPermission('x:y') } });
    const res = await graphql({ schema: refused, source: '{ jobs { id secret } }', contextValue: { caller: USER } });
    expect(res.errors).toHaveLength(50);
    expect(res.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((res.data as { jobs: { secret: unknown }[] }).jobs[0]!.secret).toBeNull();
  });
});
