// Each caller's own schema, end to end: the real supergraph (every registered subgraph, the seeded
// accounts logging in through the router) introspected as the seed's viewer, user and admin and as
// an internal caller. Each answer is exactly what the permission table (lib/permissions
// ROLE_PERMISSIONS) and the supergraph's @authenticated / @requiresScopes let that caller call,
// worked out independently (router/src/__fixtures__/callers.ts); seed 001 gives viewer and user
// the same permissions, admins more, and only internal callers the worker protocol.
import { buildClientSchema, buildSchema, getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Caller } from '../lib/src/claims.ts';
import { ROUTER_CALLER } from '../router/src/auth/external-identities.ts';
import {
  expectedSurface,
  fieldsIn,
  internalScopes,
  internalWith,
  surfaceOf,
  userWith,
} from '../router/src/__fixtures__/callers.ts';
import { composeSubgraphs, registrySubgraphs } from '../schema/compose.ts';
import { INTERNAL_KEY, startStack, type Stack } from './support/stack.ts';

let stack: Stack;
const tokens: Record<string, string> = {};
beforeAll(async () => {
  stack = await startStack();
  const accounts = { viewer: 'viewer@eventzr.com', user: 'dev@eventzr.com', admin: 'admin@eventzr.com' };
  for (const [name, email] of Object.entries(accounts)) tokens[name] = (await stack.login(email)).accessToken;
});
afterAll(() => stack?.stop());

const api = () => {
  const composed = composeSubgraphs(registrySubgraphs());
  if (!composed.apiSdl) throw new Error('composition failed');
  return buildSchema(composed.apiSdl);
};

async function introspect(headers: Record<string, string>) {
  const before = stack.statements();
  const res = await stack.raw(
    JSON.stringify({ query: getIntrospectionQuery(), operationName: 'IntrospectionQuery' }),
    headers,
  );
  expect(res.status, JSON.stringify(res.body.errors)).toBe(200);
  expect(stack.statements(), 'introspection ran SQL').toBe(before);
  return buildClientSchema(res.body.data as unknown as IntrospectionQuery);
}

describe('introspection on the real supergraph shows each caller its own schema', () => {
  it('viewer = user (seed 001), admin ⊃ user, internal fields for internal callers only, each exactly per the table', async () => {
    const schema = api();
    const security = stack.router.supergraph.security;
    const who: Record<string, { caller: Caller; headers: Record<string, string> }> = {
      anonymous: { caller: ANONYMOUS, headers: {} },
      // The seed's accounts: viewer (viewer), dev (user + organizer), admin (admin).
      viewer: { caller: userWith(['viewer']), headers: { authorization: `Bearer ${tokens.viewer}` } },
      user: { caller: userWith(['user', 'organizer']), headers: { authorization: `Bearer ${tokens.user}` } },
      admin: { caller: userWith(['admin']), headers: { authorization: `Bearer ${tokens.admin}` } },
      // INTERNAL_API_KEY holds every internal scope but the router's own.
      internal: {
        caller: internalWith(internalScopes(security).filter((s) => !ROUTER_CALLER.scopes.includes(s))),
        headers: { 'x-internal-api-key': INTERNAL_KEY },
      },
    };
    const fields: Record<string, Set<string>> = {};
    for (const [name, w] of Object.entries(who)) {
      const surface = surfaceOf(await introspect(w.headers));
      expect([...surface].sort(), name).toEqual([...expectedSurface(schema, security, w.caller)].sort());
      fields[name] = new Set(fieldsIn(surface, schema));
    }
    const { anonymous, viewer, user, admin, internal } = fields as Record<string, Set<string>>;
    expect(viewer).toEqual(user);
    for (const f of user!) expect(admin, f).toContain(f);
    expect(admin!.size).toBeGreaterThan(user!.size);
    for (const f of ['Query.workers', 'Mutation.setTenantJobQuota'])
      expect([admin!.has(f), user!.has(f)]).toEqual([true, false]);
    for (const f of anonymous!) expect(user, f).toContain(f);
    expect([...anonymous!].filter((f) => /^(Query|Mutation)\./.test(f)).sort()).toEqual([
      'Mutation.login',
      'Mutation.refreshToken',
      'Mutation.register',
      'Mutation.requestPasswordReset',
    ]);
    // The worker protocol: internal callers only; admins never see it; internal callers see no user field.
    for (const f of ['Mutation.leaseJobs', 'Mutation.heartbeatJob', 'Mutation.completeJob', 'Mutation.failJob']) {
      expect(internal).toContain(f);
      expect(admin).not.toContain(f);
    }
    for (const f of ['Query.me', 'Query.jobs', 'Mutation.enqueueJob']) expect(internal).not.toContain(f);
  });

  it("a user's validation errors name nothing beyond its schema: an admin field is a 403, never a suggestion", async () => {
    const res = await stack.gql('{ workers { totlCount } }', {}, { token: tokens.user! });
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]?.message).toBe('Missing required permission: jobs:admin');
    const typo = await stack.gql('{ worker { totalCount } }', {}, { token: tokens.user! });
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).not.toMatch(/workers/);
    const asAdmin = await stack.gql('{ worker { totalCount } }', {}, { token: tokens.admin! });
    expect(asAdmin.body.errors?.[0]?.message).toMatch(/Did you mean "workers"/);
  });
});
