// The operation limits over HTTP through a real router and the fixture subgraphs: each limit's
// boundary (at the maximum the operation runs, one over is a 400 with OPERATION_LIMIT_EXCEEDED,
// the limit and its maximum, the request's meta, and no subgraph called), the documents of issue 9
// (100,000 levels of nesting, 10,000 aliases), anonymous callers under the same limits, and the
// introspection Sandbox and codegen send under the defaults.
import { getIntrospectionQuery } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  mint,
  post,
  userClaims,
  type Answer,
  type Fixtures,
  type SigningKey,
} from './__fixtures__/fixtures.ts';
import { DEFAULT_OPERATION_LIMITS, parseDocument, TOO_DEEP_TO_PARSE } from './limits/operation-limits.ts';
import { fixtureRouters } from './__fixtures__/harness.ts';

const routers = fixtureRouters();
let fx: Fixtures;
let key: SigningKey;
const start = async (env: Record<string, string> = {}) => (await routers.start(env)).url;

/** Small limits, so that each boundary is a real operation the fixture subgraphs answer. */
const TIGHT = {
  OPERATION_MAX_DEPTH: '3',
  OPERATION_MAX_INTROSPECTION_DEPTH: '4',
  OPERATION_MAX_ALIASES: '3',
  OPERATION_MAX_ROOT_FIELDS: '2',
  OPERATION_MAX_DIRECTIVES: '2',
  OPERATION_MAX_FIELD_REPEATS: '2',
  OPERATION_MAX_VALUE_DEPTH: '2',
};
/** A valid query whose token count is the `tokens` router's maximum. */
const TOKENS_QUERY = 'query Tokens { jobs { id type createdBy { id } } }';

let defaults: string;
let tight: string;
let tokens: string;
let user: Record<string, string>;
/** A user who may enqueue jobs: enqueueJob(payload: JSON) takes any value literal. */
let creator: Record<string, string>;

beforeAll(async () => {
  ({ fx, key } = routers);
  [defaults, tight, tokens] = await Promise.all([
    start(),
    start(TIGHT),
    start({ OPERATION_MAX_TOKENS: String(tokensOf(TOKENS_QUERY)) }),
  ]);
  user = bearer(await mint(userClaims({ permissions: ['jobs:read'] }), { key }));
  creator = bearer(await mint(userClaims({ permissions: ['jobs:read', 'jobs:create'] }), { key }));
});

/** graphql-js's count of `source`'s tokens: the least maxTokens it parses under. */
function tokensOf(source: string): number {
  let n = 1;
  while (parseDocument(source, n) instanceof Error) n++;
  return n;
}

/** A refusal by the operation limits: 400, the limit and its maximum, meta, nothing reached a subgraph. */
function expectLimit(a: Answer, limit: string, max: number, requestId?: string) {
  expect(a.status, a.text).toBe(400);
  expect(a.body.data ?? undefined).toBeUndefined();
  expect(a.body.errors).toHaveLength(1);
  const ext = a.body.errors?.[0]?.extensions;
  expect(ext).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit, max });
  expect(a.body.errors?.[0]?.message).toContain(String(max));
  expect(a.body.extensions?.meta?.request_id).toBeTruthy();
  if (requestId) {
    expect(ext?.requestId).toBe(requestId);
    expect(a.body.extensions?.meta?.request_id).toBe(requestId);
  }
  expect(fx.requests()).toEqual([]);
  expect(fx.calls()).toEqual([]);
}

/** A served operation: 200, no errors, and the subgraphs were called. */
async function expectServed(url: string, query: string, headers = user) {
  fx.reset();
  const a = await post(url, { query }, headers);
  expect(a.status, a.text).toBe(200);
  expect(a.body.errors, a.text).toBeUndefined();
  return a;
}

describe('each limit: at the maximum the operation runs, one over is refused before any subgraph', () => {
  it.each([
    ['depth', 3, '{ jobs { createdBy { id } } }', '{ jobs { createdBy { id { deeper } } } }'],
    [
      'aliases',
      3,
      '{ jobs { a: id b: type c: __typename } }',
      // An alias on __typename counts like any other.
      '{ jobs { a: id b: type c: __typename d: __typename } }',
    ],
    [
      'rootFields',
      2,
      '{ a: jobs { id } b: jobs { id } __typename }',
      '{ a: jobs { id } b: jobs { id } c: jobs { id } }',
    ],
    [
      'directives',
      2,
      '{ jobs @include(if: true) { id @skip(if: false) } }',
      '{ jobs @include(if: true) { id @skip(if: false) type @skip(if: false) } }',
    ],
    [
      'fieldRepeats',
      2,
      '{ jobs { id id } }',
      // Through a fragment: the fields GraphQL merges into one selection set.
      '{ jobs { id id ...F } } fragment F on Job { id }',
    ],
    [
      'introspectionDepth',
      4,
      '{ __schema { types { fields { name } } } }',
      '{ __schema { types { fields { type { name } } } } }',
    ],
  ] as const)('%s (max %i)', async (limit, max, at, over) => {
    await expectServed(tight, at);
    if (limit !== 'introspectionDepth') expect(fx.calls().length).toBeGreaterThan(0);
    fx.reset();
    expectLimit(
      await post(tight, { query: over }, { ...user, 'x-request-id': `req-${limit}` }),
      limit,
      max,
      `req-${limit}`,
    );
  });

  it('valueDepth (max 2): list and object values in arguments', async () => {
    const enqueue = (payload: string) => `mutation { enqueueJob(type: "x", payload: ${payload}) { id } }`;
    await expectServed(tight, enqueue('[[1], { a: 2 }]'), creator);
    expect(fx.calls().map((c) => c.field)).toEqual(['enqueueJob']);
    fx.reset();
    expectLimit(await post(tight, { query: enqueue('[[[1]]]') }, creator), 'valueDepth', 2);
    expectLimit(await post(tight, { query: enqueue('{ a: [{ b: 1 }] }') }, creator), 'valueDepth', 2);
  });

  it('tokens: a document of exactly the maximum runs, one token more is refused', async () => {
    const max = tokensOf(TOKENS_QUERY);
    await expectServed(tokens, TOKENS_QUERY);
    expect(fx.calls().length).toBeGreaterThan(0);
    fx.reset();
    expectLimit(await post(tokens, { query: TOKENS_QUERY.replace('type', 'type __typename') }, user), 'tokens', max);
    // Comments are not tokens.
    await expectServed(tokens, `${TOKENS_QUERY} # ${'comment '.repeat(100)}`);
  });

  it('GET is checked the same way', async () => {
    const params = new URLSearchParams({ query: '{ jobs { id id id } }' });
    const res = await fetch(`${tight}?${params}`, { headers: { ...user, 'apollo-require-preflight': 'true' } });
    const body = (await res.json()) as Answer['body'];
    expectLimit({ status: res.status, body, headers: res.headers, text: '' }, 'fieldRepeats', 2);
  });

  it('only the selected operation is measured: a document may hold another over the limits', async () => {
    const doc = 'query Small { jobs { id } } query Big { jobs { id id id } }';
    fx.reset();
    const small = await post(tight, { query: doc, operationName: 'Small' }, user);
    expect(small.status, small.text).toBe(200);
    fx.reset();
    expectLimit(await post(tight, { query: doc, operationName: 'Big' }, user), 'fieldRepeats', 2);
  });

  it('the refusal keeps its code, limit and maximum in production', async () => {
    const prod = await start({ ...TIGHT, NODE_ENV: 'production', DEV_JWT_SECRET: '', INTERNAL_API_KEY: '' });
    const a = await post(prod, { query: '{ jobs { id id id } }' }, user);
    expectLimit(a, 'fieldRepeats', 2);
    expect(a.body.errors?.[0]?.message).toBe(
      'The operation selects the same field more than 2 times in one selection set',
    );
  });
});

describe('the documents of issue 9, under the defaults', () => {
  const plain = (a: Answer) => {
    expect(a.status, a.text.slice(0, 300)).toBe(400);
    expect(a.text).not.toMatch(/call stack|RangeError|Maximum|at [\w.]+ \(/);
    expect(fx.requests()).toEqual([]);
    return a.body.errors?.[0];
  };

  it('100,000 levels of nesting → 400 with a plain message (the token limit, or too deep to read)', async () => {
    const deep = `{ ${'me { '.repeat(100_000)}id${' }'.repeat(100_000)} }`;
    for (const headers of [user, {}]) {
      const e = plain(await post(defaults, { query: deep }, headers));
      // The parser stops at the token limit; on a cold stack it may run out of stack first: either is a plain 400.
      expect([
        {
          code: 'OPERATION_LIMIT_EXCEEDED',
          message: `The document is larger than ${DEFAULT_OPERATION_LIMITS.maxTokens} tokens`,
        },
        { code: 'GRAPHQL_PARSE_FAILED', message: TOO_DEEP_TO_PARSE },
      ]).toContainEqual({ code: e?.extensions?.code, message: e?.message });
    }
  });

  it('10,000 aliases → 400 (the token limit first; the alias limit when tokens are allowed)', async () => {
    const many = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    expectLimit(await post(defaults, { query: many }, user), 'tokens', DEFAULT_OPERATION_LIMITS.maxTokens);
    const roomy = await start({ OPERATION_MAX_TOKENS: '1000000' });
    expectLimit(await post(roomy, { query: many }, user), 'aliases', DEFAULT_OPERATION_LIMITS.maxAliases);
    expectLimit(await post(roomy, { query: many }), 'aliases', DEFAULT_OPERATION_LIMITS.maxAliases);
  });

  it('a parser overflow (token limit lifted) is a plain 400 GRAPHQL_PARSE_FAILED, never a 500', async () => {
    const roomy = await start({ OPERATION_MAX_TOKENS: '10000000' });
    for (const query of [
      `{ ${'me { '.repeat(100_000)}id${' }'.repeat(100_000)} }`,
      `{ jobs(x: ${'['.repeat(100_000)}1${']'.repeat(100_000)}) { id } }`,
    ]) {
      const e = plain(await post(roomy, { query }, user));
      expect({ code: e?.extensions?.code, message: e?.message }).toEqual({
        code: 'GRAPHQL_PARSE_FAILED',
        message: TOO_DEEP_TO_PARSE,
      });
    }
  });

  it("a list literal nested 40 deep (the gateway's planner would walk it 2^40 times) → 400 at once", async () => {
    // Without the value-depth limit this request blocks the router's event loop for hours.
    for (const depth of [40, 1000, 2490]) {
      const payload = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
      const a = await post(
        defaults,
        { query: `mutation { enqueueJob(type: "x", payload: ${payload}) { id } }` },
        creator,
      );
      expect(a.status, a.text.slice(0, 300)).toBe(400);
      expect(a.text).not.toMatch(/call stack|RangeError|Maximum|at [\w.]+ \(/);
      const e = a.body.errors?.[0];
      // Deep enough, the parser runs out of stack before the limit is measured: a plain 400 too.
      if (e?.extensions?.code === 'GRAPHQL_PARSE_FAILED') expect(e.message).toBe(TOO_DEEP_TO_PARSE);
      else expectLimit(a, 'valueDepth', DEFAULT_OPERATION_LIMITS.maxValueDepth);
      expect(fx.requests()).toEqual([]);
    }
  });

  it('500 list fields under one parent → 400 (field repeats)', async () => {
    const a = await post(defaults, { query: `{ jobs { ${'createdBy { id } '.repeat(500)} } }` }, user);
    expectLimit(a, 'fieldRepeats', DEFAULT_OPERATION_LIMITS.maxFieldRepeats);
  });

  it('a syntax error → 400 GRAPHQL_PARSE_FAILED with graphql-js message and location', async () => {
    const a = await post(defaults, { query: '{ jobs { id }' }, user);
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]).toMatchObject({
      message: 'Syntax Error: Expected Name, found <EOF>.',
      locations: [{ line: 1, column: 14 }],
      extensions: { code: 'GRAPHQL_PARSE_FAILED' },
    });
    expect(fx.requests()).toEqual([]);
  });
});

describe('anonymous callers: the same limits, checked before the public-schema check', () => {
  const LOGIN = (alias: string) => `${alias}: login(input: { email: "a@b.c", password: "p" }) { accessToken }`;

  it('over a limit: the same 400 whether the document names public, protected or unknown fields', async () => {
    const answers = [];
    for (const field of ['login(input: { email: "a@b.c", password: "p" }) { accessToken', 'jobs { id', 'nope { id'])
      for (const headers of [{}, user]) {
        const a = await post(tight, { query: `{ x: ${field} } y: __typename z: __typename w: __typename }` }, headers);
        expectLimit(a, 'aliases', 3);
        answers.push(
          JSON.stringify(a.body.errors?.map(({ message, extensions }) => ({ message, ...extensions, requestId: 0 }))),
        );
      }
    // One answer for all: the limits read the document's syntax, never the schema.
    expect(new Set(answers).size).toBe(1);
  });

  it('within the limits: the public-schema check answers as before (401 outside, one public field served)', async () => {
    const outside = await post(tight, { query: '{ jobs { id } }' });
    expect(outside.status).toBe(401);
    expect(outside.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const served = await post(tight, { query: `mutation { ${LOGIN('l')} }` });
    expect(served.status, served.text).toBe(200);
    fx.reset();
    expectLimit(
      await post(tight, { query: `mutation { ${LOGIN('a')} ${LOGIN('b')} ${LOGIN('c')} }` }),
      'rootFields',
      2,
    );
  });
});

describe('introspection under the defaults', () => {
  it('graphql-js getIntrospectionQuery (every option, TypeRef up to 14 deep: what Sandbox and codegen send) is answered', async () => {
    const all = {
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    };
    for (const options of [{}, all, { ...all, typeDepth: 14 }]) {
      const a = await post(
        defaults,
        { query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' },
        user,
      );
      expect(a.status, a.text.slice(0, 300)).toBe(200);
      expect((a.body.data as { __schema?: { queryType?: { name: string } } }).__schema?.queryType?.name).toBe('Query');
    }
    expectLimit(
      await post(defaults, { query: getIntrospectionQuery({ typeDepth: 15 }) }, user),
      'introspectionDepth',
      DEFAULT_OPERATION_LIMITS.maxIntrospectionDepth,
    );
  });
});
