// The subgraph server's front door: the claims token is bound to a hash of the body, taken before
// the token is verified, so a body that cannot be hashed must be a 400, never a crash.
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIMS_HEADER } from './claims.ts';
import { allow } from './shield.ts';
import { startTestServer, type TestServer } from './testing.ts';

let sg: TestServer;
beforeAll(async () => {
  sg = await startTestServer(
    {
      name: 'echo',
      typeDefs: parse('type Query { echo(v: String): String }'),
      resolvers: { Query: { echo: (_p: unknown, args: { v?: string }) => args.v ?? null } } as never,
      permissions: { Query: { _service: allow, echo: allow } },
      createLoaders: () => ({}),
    },
    { migrationsFolder: join(import.meta.dirname, '__fixtures__', 'confined') },
  );
});
afterAll(() => sg?.close());

describe('subgraph server', () => {
  it('variables nested 20 000 levels deep → 400 BAD_REQUEST (not a 500), whatever the token', async () => {
    // Written by hand: JSON.stringify itself recurses and would overflow first.
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const query = 'query ($d: String) { echo(v: $d) }';
    const res = await sg.post(`{"query":${JSON.stringify(query)},"variables":{"d":${deep}}}`, {
      [CLAIMS_HEADER]: await sg.sign({ kind: 'anonymous' }, query, {}),
      'x-request-id': 'req-deep',
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toEqual({
      message: 'variables nested too deeply',
      extensions: { code: 'BAD_REQUEST', requestId: 'req-deep' },
    });
  });

  it('still serves a request whose variables hash, and refuses a token bound to other variables', async () => {
    const query = 'query ($d: String) { echo(v: $d) }';
    expect(await sg.exec({ kind: 'anonymous' }, query, { d: 'hi' })).toEqual({
      status: 200,
      body: { data: { echo: 'hi' } },
    });
    const token = await sg.sign({ kind: 'anonymous' }, query, { d: 'hi' });
    expect((await sg.post({ query, variables: { d: 'other' } }, { [CLAIMS_HEADER]: token })).status).toBe(401);
  });
});
