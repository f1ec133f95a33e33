import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationRequirements, refusal } from './authorization.ts';
import { composeFixtureSupergraph } from './__fixtures__/fixtures.ts';
import { loadSupergraph } from './supergraph.ts';
import { developmentCaller } from './auth/authenticate.ts';
import { ANONYMOUS, type Caller, type UserCaller } from '@eventzr/lib/claims';

const sdl = composeFixtureSupergraph('http://file-auth:4001/graphql', 'http://file-jobs:4002/graphql');

async function gatewayLoads(supergraphSdl: string): Promise<void> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl, logger: silent }) });
  try {
    await server.start();
  } finally {
    await server.stop().catch(() => undefined);
  }
}
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('supergraph loading', () => {
  it('composition marks the two security links `for: SECURITY`, which the gateway refuses as is', async () => {
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    await expect(gatewayLoads(sdl)).rejects.toThrow(/for: SECURITY but is unsupported/);
  });

  it('hands the gateway the same supergraph without that purpose, and the gateway loads it', async () => {
    const loaded = loadSupergraph(sdl);
    expect(loaded.gatewaySdl).not.toMatch(/(authenticated|requiresScopes)\/v0\.1", for: SECURITY\)/);
    // @inaccessible keeps its purpose: the gateway enforces it itself (its API schema leaves them out).
    expect(loaded.gatewaySdl).toContain('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)');
    expect(loaded.gatewaySdl).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1")');
    expect(loaded.gatewaySdl).toContain('@requiresScopes(scopes: [["jobs:admin"]])');
    await expect(gatewayLoads(loaded.gatewaySdl)).resolves.toBeUndefined();
  });

  it('reads every @authenticated / @requiresScopes into the layer-1 map', () => {
    const { security } = loadSupergraph(sdl);
    expect(Object.fromEntries(security)).toEqual({
      'Query.me': { authenticated: true, scopes: [] },
      'Query.users': { authenticated: false, scopes: [[['users:admin']]] },
      'Query.jobs': { authenticated: false, scopes: [[['jobs:read']]] },
      'Query.failing': { authenticated: false, scopes: [[['jobs:read']]] },
      'Query.workers': { authenticated: false, scopes: [[['jobs:admin']]] },
      'Mutation.logout': { authenticated: true, scopes: [] },
      'Mutation.provisionExternalIdentity': { authenticated: false, scopes: [[['internal:auth.provision']]] },
      'Mutation.leaseJobs': { authenticated: false, scopes: [[['internal:jobs.worker']]] },
      'Mutation.enqueueJob': { authenticated: false, scopes: [[['jobs:create']]] },
      'Mutation.importJobs': { authenticated: false, scopes: [[['jobs:create']]] },
      'Mutation.importTenantJobs': { authenticated: false, scopes: [[['jobs:create']]] },
      'Job.adminNote': { authenticated: false, scopes: [[['jobs:admin']]] },
    });
  });

  it('overrides subgraph URLs by name and keeps the file URL of a subgraph without one', () => {
    const loaded = loadSupergraph(sdl, { jobs: 'http://10.0.0.2:9000/graphql', vault: undefined });
    expect(loaded.subgraphs).toEqual([
      { name: 'auth', url: 'http://file-auth:4001/graphql' },
      { name: 'jobs', url: 'http://10.0.0.2:9000/graphql' },
    ]);
    expect(loaded.gatewaySdl).toContain('url: "http://10.0.0.2:9000/graphql"');
    expect(loaded.gatewaySdl).not.toContain('file-jobs');
  });

  it('refuses a URL for a subgraph the supergraph does not declare (a typo or a stale setting)', () => {
    expect(() => loadSupergraph(sdl, { jobs: 'http://jobs/graphql', vualt: 'http://vault/graphql' })).toThrow(
      /a URL is configured for "vualt", which it does not declare \(its subgraphs: auth, jobs\)/,
    );
  });

  it('refuses a security feature it does not enforce, and text that is not a supergraph', () => {
    const withPolicy = sdl.replace(
      '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
      '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    );
    expect(() => loadSupergraph(withPolicy)).toThrow(/policy\/v0.1 is not enforced/);
    expect(() => loadSupergraph('type Query { a: Int }')).toThrow(/join spec/);
    expect(() => loadSupergraph('type Query {')).toThrow(/Invalid supergraph/);
  });

  it('applies type-level directives and interface implementations to the fields that reach them', () => {
    const typeLevel = `
      schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
        @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)
        @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY) { query: Query }
      directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
      directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
      directive @join__graph(name: String!, url: String!) on ENUM_VALUE
      directive @link(url: String, as: String, for: link__Purpose, import: [String]) repeatable on SCHEMA
      enum link__Purpose { SECURITY EXECUTION }
      enum join__Graph { A @join__graph(name: "a", url: "http://a/graphql") }
      type Query { secret: Secret  node: Node }
      type Secret @authenticated { x: Int }
      interface Node { id: ID }
      type Audit implements Node { id: ID @requiresScopes(scopes: [["audit:read"]]) }
    `;
    const { security } = loadSupergraph(typeLevel);
    expect(security.get('Query.secret')).toEqual({ authenticated: true, scopes: [] });
    expect(security.get('Secret.x')).toEqual({ authenticated: true, scopes: [] });
    expect(security.get('Node.id')).toEqual({ authenticated: false, scopes: [[['audit:read']]] });
  });
});

describe('layer-1 requirements of an operation', () => {
  const loaded = loadSupergraph(sdl);
  // The API schema the gateway derives: what requests are validated against.
  let schema: GraphQLSchema;
  const req = async (query: string, operationName?: string) => {
    if (!schema) {
      const gateway = new ApolloGateway({ supergraphSdl: loaded.gatewaySdl, logger: silent });
      ({ schema } = await gateway.load());
      await gateway.stop();
    }
    const doc = parse(query);
    const op = doc.definitions.find(
      (d): d is OperationDefinitionNode =>
        d.kind === 'OperationDefinition' && (operationName === undefined || d.name?.value === operationName),
    )!;
    return operationRequirements(schema, doc, op, loaded.security);
  };
  const viewer: UserCaller = {
    ...(developmentCaller() as UserCaller),
    roles: ['viewer'],
    permissions: ['jobs:read', 'jobs:create'],
  };

  it('finds requirements through named and inline fragments, and only those the operation reaches', async () => {
    const q = `
      query Mine { jobs { ...J } }
      query Other { workers { id } }
      fragment J on Job { id ... on Job { adminNote } }`;
    const mine = await req(q, 'Mine');
    expect(mine.scopes).toEqual([[['jobs:read']], [['jobs:admin']]]);
    expect(refusal(mine, viewer)?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredPermissions: ['jobs:admin'] });
    expect((await req(q, 'Other')).scopes).toEqual([[['jobs:admin']]]);
  });

  it('lets anonymous callers run public root fields and introspection only', async () => {
    const login = await req('mutation { login(input: { email: "a", password: "b" }) { accessToken } __typename }');
    expect(login.publicOnly).toBe(true);
    expect(refusal(login, ANONYMOUS)).toBeUndefined();
    const mixed = await req('mutation { login(input: { email: "a", password: "b" }) { accessToken } logout }');
    expect(refusal(mixed, ANONYMOUS)?.extensions?.code).toBe('UNAUTHENTICATED');
    const viaFragment = await req('mutation { ...M } fragment M on Mutation { enqueueJob(type: "x") { id } }');
    expect(viaFragment.publicOnly).toBe(false);
    expect(refusal(await req('{ __schema { queryType { name } } }'), ANONYMOUS)).toBeUndefined();
    expect(refusal(await req('{ jobs { id } }'), ANONYMOUS)?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("gives an internal caller its credential's scopes and nothing else", async () => {
    const internal: Caller = {
      kind: 'internal',
      service: 'worker',
      credentialId: 'worker',
      scopes: ['internal:jobs.worker'],
    };
    const scheduler: Caller = { ...internal, credentialId: 'scheduler', scopes: ['internal:cpaas.outbox'] };
    expect(refusal(await req('mutation { leaseJobs(max: 1) { id } }'), internal)).toBeUndefined();
    expect(refusal(await req('mutation { leaseJobs(max: 1) { id } }'), scheduler)?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredPermissions: ['internal:jobs.worker'],
    });
    expect(refusal(await req('mutation { leaseJobs(max: 1) { id } }'), viewer)?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredPermissions: ['internal:jobs.worker'],
    });
    // A user token's `permissions` claim cannot grant an internal scope.
    const forged: Caller = { ...viewer, permissions: [...viewer.permissions, 'internal:jobs.worker'] };
    expect(refusal(await req('mutation { leaseJobs(max: 1) { id } }'), forged)?.extensions?.code).toBe('FORBIDDEN');
    expect(refusal(await req('{ jobs { id } }'), internal)?.extensions?.code).toBe('FORBIDDEN');
    // @authenticated means a user: an internal caller holds scopes, not a user token (as the
    // shield's isAuthenticated says at layer 2), so it is refused here, before any subgraph.
    expect(refusal(await req('{ me { id } }'), internal)?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});
