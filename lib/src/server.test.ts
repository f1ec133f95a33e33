// The subgraph server's front door: the claims token is bound to a hash of the body, taken before
// the token is verified, so a body that cannot be hashed must be a 400, never a crash.
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIMS_HEADER } from './claims.ts';
import { allow, federationRules, hasPermission } from './shield.ts';
import { startTestServer, userCaller, type TestServer } from './testing.ts';

const TENANT = '00000000-0000-4000-8000-00000000000a';

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

describe('the factory applies the permission tree, entity references included', () => {
  const sdl = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@requiresScopes"])
    type Query { note(id: ID!): Note @requiresScopes(scopes: [["notes:read"]]) }
    type Note @key(fields: "id") { id: ID! body: String! }
  `;
  const definition = (entities: Record<string, ReturnType<typeof hasPermission>>) => ({
    name: 'notes',
    typeDefs: parse(sdl),
    resolvers: {
      Query: { note: (_p: unknown, args: { id: string }) => ({ id: args.id, body: `note ${args.id}` }) },
      Note: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, body: `note ${ref.id}` }) },
    } as never,
    permissions: { Query: { ...federationRules, note: hasPermission('notes:read') }, entities },
    createLoaders: () => ({}),
  });
  const migrationsFolder = join(import.meta.dirname, '__fixtures__', 'confined');

  it('refuses to start a subgraph whose resolvable @key type has no entity rule', async () => {
    await expect(startTestServer(definition({}), { migrationsFolder })).rejects.toThrow(
      /Refusing to start subgraph notes: its SDL and permission tree disagree:\n {2}- Note: a resolvable @key type without an entity rule \(entities.Note\)/,
    );
  });

  it('runs the entity rule before __resolveReference: allowed, refused at its own index, anonymous refused', async () => {
    const notes = await startTestServer(definition({ Note: hasPermission('notes:read') }), { migrationsFolder });
    try {
      const q = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { id body } } }';
      const r = [
        { __typename: 'Note', id: '1' },
        { __typename: 'Note', id: '2' },
      ];
      const reader = userCaller({ tenantId: TENANT, roles: [], permissions: ['notes:read'] });
      expect((await notes.exec(reader, q, { r })).body).toEqual({
        data: {
          _entities: [
            { id: '1', body: 'note 1' },
            { id: '2', body: 'note 2' },
          ],
        },
      });
      const stranger = await notes.exec(userCaller({ tenantId: TENANT, roles: [] }), q, { r });
      expect(stranger.body.data).toEqual({ _entities: [null, null] });
      expect(stranger.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([
        ['_entities.0', 'FORBIDDEN'],
        ['_entities.1', 'FORBIDDEN'],
      ]);
      expect((await notes.exec({ kind: 'anonymous' }, q, { r })).body.errors?.[0]?.extensions?.code).toBe(
        'UNAUTHENTICATED',
      );
    } finally {
      await notes.close();
    }
  });
});
