// Bad input through the router gets a clear error with a code or the GraphQL-over-HTTP status,
// never a 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOperations, startStack, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
let stack: Stack;
let dev: string;
let acme: string;
beforeAll(async () => {
  stack = await startStack();
  dev = (await stack.login('dev@eventzr.com')).accessToken;
  acme = (await stack.login('admin@acme.example')).accessToken;
  for (let i = 0; i < 3; i++)
    await stack.gql(
      'mutation E($i: EnqueueJobInput!) { enqueueJob(input: $i) { job { id } } }',
      { i: { type: 'x.y', payload: { i } } },
      { token: dev },
    );
});
afterAll(() => stack?.stop());

const codeOf = (res: { body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }) =>
  res.body.errors?.[0]?.extensions?.code;

describe('pagination arguments', () => {
  it.each([
    ['a malformed cursor', { first: 5, after: 'definitely-not-a-cursor' }],
    [
      'a base64 cursor of the wrong shape',
      { first: 5, after: Buffer.from('{"l":"jobs","k":1}').toString('base64url') },
    ],
    ['first over 100', { first: 101 }],
    ['a negative first', { first: -1 }],
  ])('%s → BAD_USER_INPUT', async (_label, variables) => {
    const res = await stack.gql(web.get('Jobs')!, variables, { token: dev });
    expect(res.status).toBeLessThan(500);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });

  it('first and last together → BAD_USER_INPUT', async () => {
    const res = await stack.gql('query { jobs(first: 2, last: 2) { totalCount } }', {}, { token: dev });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });

  it("another tenant's cursor → BAD_USER_INPUT", async () => {
    const page = await stack.gql(web.get('Jobs')!, { first: 1 }, { token: dev });
    const cursor = page.body.data?.jobs.pageInfo.endCursor as string;
    expect(cursor).toBeTruthy();
    const res = await stack.gql(web.get('Jobs')!, { first: 5, after: cursor }, { token: acme });
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });
});

describe('variables and bodies', () => {
  it('an unknown enum value → 400 BAD_USER_INPUT', async () => {
    const res = await stack.gql(web.get('Jobs')!, { filter: { status: 'EXPLODED' } }, { token: dev });
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
  });

  it('an oversized job payload → BAD_USER_INPUT, nothing written', async () => {
    const before = await stack.gql('query { jobs { totalCount } }', {}, { token: dev });
    const res = await stack.gql(
      web.get('EnqueueJob')!,
      { input: { type: 'big.one', payload: { blob: 'x'.repeat(200 * 1024) } } },
      { token: dev },
    );
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    const after = await stack.gql('query { jobs { totalCount } }', {}, { token: dev });
    expect(after.body.data?.jobs.totalCount).toBe(before.body.data?.jobs.totalCount);
  });

  it('a body over the limit → 413', async () => {
    const res = await stack.raw(
      JSON.stringify({ query: '{ __typename }', variables: { x: 'y'.repeat(2 * 1024 * 1024) } }),
      { authorization: `Bearer ${dev}` },
    );
    expect(res.status).toBe(413);
  });

  it('malformed JSON → 400', async () => {
    const res = await stack.raw('{"query": "{ __typename }"', { authorization: `Bearer ${dev}` });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBeDefined();
  });

  it('a syntax error → 400 GRAPHQL_PARSE_FAILED; an unknown field → 400 GRAPHQL_VALIDATION_FAILED', async () => {
    const parse = await stack.gql('query { jobs { ', {}, { token: dev });
    expect(parse.status).toBe(400);
    expect(codeOf(parse)).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await stack.gql('query { jobs { nope } }', {}, { token: dev });
    expect(invalid.status).toBe(400);
    expect(codeOf(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('every error carries the request id, which is echoed', async () => {
    const res = await stack.gql(
      'query { jobs(first: 500) { totalCount } }',
      {},
      { token: dev, headers: { 'x-request-id': 'req-e2e-1' } },
    );
    expect(res.headers.get('x-request-id')).toBe('req-e2e-1');
    expect(res.body.errors?.[0]?.extensions?.requestId).toBe('req-e2e-1');
    expect(res.body.extensions?.meta?.request_id).toBe('req-e2e-1');
  });
});
