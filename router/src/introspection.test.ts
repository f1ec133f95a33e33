// Introspection over HTTP with the fixture subgraphs: each caller gets its own schema, exactly the
// fields the permission table lets it call (worked out in __fixtures__/callers.ts from the
// SecurityMap and ROLE_PERMISSIONS, not by the router's code), answered by the router without a
// subgraph call; production keeps it off unless INTROSPECTION=true, and then per caller still.
// The fixtures: `me` (@authenticated), jobs / failing (jobs:read), workers and Job.adminNote
// (jobs:admin), users (users:admin), enqueueJob (jobs:create), leaseJobs (internal:jobs.worker),
// login public, provisionExternalIdentity @inaccessible.
import {
  buildClientSchema,
  getIntrospectionQuery,
  printSchema,
  validate,
  parse,
  type IntrospectionQuery,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '@eventzr/lib/claims';
import { DEV_AUTH_USER } from '@eventzr/lib/dev-seed';
import { credentialLine, newCredential } from './auth/credentials.ts';
import { expectedSurface, fieldsIn, internalWith, surfaceOf, userWith } from './__fixtures__/callers.ts';
import {
  INTERNAL_KEY,
  bearer,
  fixtureApiSchema,
  mint,
  post,
  userClaims,
  type Fixtures,
  type SigningKey,
} from './__fixtures__/fixtures.ts';
import { fixtureRouters, type StartedRouter } from './__fixtures__/harness.ts';

const routers = fixtureRouters();
let fx: Fixtures;
let key: SigningKey;
const api = fixtureApiSchema();
const WORKER = newCredential('pool-a', ['internal:jobs.worker']);

// Production refuses the development secrets the fixtures' config carries: the worker gets its own credential.
const production = {
  NODE_ENV: 'production',
  DEV_JWT_SECRET: '',
  INTERNAL_API_KEY: '',
  INTERNAL_CREDENTIALS: credentialLine(WORKER.credential),
};

let dev: StartedRouter;
let prod: StartedRouter;
beforeAll(async () => {
  ({ fx, key } = routers);
  dev = await routers.start();
  prod = await routers.start(production);
});

/** Each caller: how the router sees it (for the expected schema) and the headers it sends. */
interface Who {
  caller: Caller;
  headers(): Promise<Record<string, string>>;
}
const user = (roles: string[], permissions: string[] = []): Who => ({
  caller: userWith(roles, permissions),
  headers: async () => bearer(await mint(userClaims({ roles, permissions }), { key })),
});
const WHO: Record<string, Who> = {
  anonymous: { caller: { kind: 'anonymous' }, headers: async () => ({}) },
  // Fewer scopes than any role: a token that grants jobs:read only.
  reader: user([], ['jobs:read']),
  viewer: user(['viewer']),
  user: user(['user']),
  admin: user(['admin']),
  // INTERNAL_API_KEY holds every internal scope but the router's own.
  internal: {
    caller: internalWith(['internal:jobs.worker']),
    headers: async () => ({ 'x-internal-api-key': INTERNAL_KEY }),
  },
};

const INTROSPECTION = { query: getIntrospectionQuery(), operationName: 'IntrospectionQuery' };

async function introspect(url: string, who: Who) {
  const a = await post(url, INTROSPECTION, await who.headers());
  expect(a.status, a.text).toBe(200);
  expect(a.body.errors).toBeUndefined();
  return buildClientSchema(a.body.data as unknown as IntrospectionQuery);
}

describe('introspection shows each caller its own schema (development)', () => {
  it('anonymous, reader, viewer, user, admin and internal: exactly the fields each may call, no subgraph called', async () => {
    const security = dev.router.supergraph.security;
    const fields: Record<string, string[]> = {};
    for (const [name, who] of Object.entries(WHO)) {
      const schema = await introspect(dev.url, who);
      const surface = surfaceOf(schema);
      expect([...surface].sort(), name).toEqual([...expectedSurface(api, security, who.caller)].sort());
      fields[name] = fieldsIn(surface, api);
    }
    expect(fx.requests()).toEqual([]);
    // The fixture's table, by hand: what each kind of caller sees beyond the public `login`.
    const roots = (name: string) => fields[name]!.filter((f) => /^(Query|Mutation)\./.test(f));
    expect(roots('anonymous')).toEqual(['Mutation.login']);
    expect(roots('reader')).toEqual(['Mutation.login', 'Mutation.logout', 'Query.failing', 'Query.jobs', 'Query.me']);
    expect(roots('user')).toEqual(
      [...roots('reader'), 'Mutation.enqueueJob', 'Mutation.importJobs', 'Mutation.importTenantJobs'].sort(),
    );
    expect(roots('admin')).toEqual([...roots('user'), 'Query.users', 'Query.workers'].sort());
    expect(roots('internal')).toEqual(['Mutation.leaseJobs', 'Mutation.login']);
    expect(fields.user).not.toContain('Job.adminNote');
    expect(fields.admin).toContain('Job.adminNote');
    // viewer and user hold the same permissions (the table); every other pair differs.
    expect(fields.viewer).toEqual(fields.user);
    const distinct = ['anonymous', 'reader', 'user', 'admin', 'internal'].map((n) => JSON.stringify(fields[n]));
    expect(new Set(distinct).size).toBe(5);
    // Admins see everything users do, never the worker protocol; nobody sees @inaccessible fields.
    for (const f of fields.user!) expect(fields.admin).toContain(f);
    expect(fields.admin).not.toContain('Mutation.leaseJobs');
    for (const name of Object.keys(WHO)) expect(fields[name]).not.toContain('Mutation.provisionExternalIdentity');
  });

  it("__type answers null for a type outside the caller's schema; directives are the API schema's only", async () => {
    const query = {
      query:
        '{ worker: __type(name: "Worker") { name } provision: __type(name: "ProvisionExternalIdentityInput") { name } __schema { directives { name } } }',
    };
    const asUser = await post(dev.url, query, await WHO.user!.headers());
    const asAdmin = await post(dev.url, query, await WHO.admin!.headers());
    expect(asUser.body.data?.worker).toBeNull();
    expect(asAdmin.body.data?.worker).toEqual({ name: 'Worker' });
    for (const a of [asUser, asAdmin]) {
      expect(a.body.data?.provision).toBeNull();
      const directives = (a.body.data?.__schema as { directives: { name: string }[] }).directives.map((d) => d.name);
      expect(directives.sort()).toEqual(
        api
          .getDirectives()
          .map((d) => d.name)
          .sort(),
      );
      expect(directives.join()).not.toMatch(/join|link|authenticated|requiresScopes|inaccessible/);
    }
    expect(fx.requests()).toEqual([]);
  });

  it('the schema a caller introspects validates exactly the operations it may run', async () => {
    const schema = await introspect(dev.url, WHO.user!);
    expect(validate(schema, parse('{ jobs { id adminNote } }')).map((e) => e.message)).toEqual([
      'Cannot query field "adminNote" on type "Job".',
    ]);
    const answer = await post(dev.url, { query: '{ jobs { id } }' }, await WHO.user!.headers());
    expect(answer.body.data).toEqual({ jobs: [{ id: '1' }, { id: '2' }] });
    expect(printSchema(schema)).not.toMatch(/workers|Worker|leaseJobs|adminNote|users:/);
  });

  it('next to ordinary root fields → 400 GRAPHQL_VALIDATION_FAILED with the request id, nothing executed', async () => {
    const a = await post(
      dev.url,
      { query: '{ __schema { queryType { name } } jobs { id } }' },
      { ...(await WHO.admin!.headers()), 'x-request-id': 'req-mixed' },
    );
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/cannot be combined with other root fields/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', requestId: 'req-mixed' },
    });
    expect(a.body.extensions?.meta?.request_id).toBe('req-mixed');
    expect(fx.requests()).toEqual([]);
  });

  it('a bad variable of an introspection operation is a 400, with the request id and meta', async () => {
    const a = await post(
      dev.url,
      { query: 'query T($n: String!) { __type(name: $n) { name } }', variables: {} },
      { ...(await WHO.user!.headers()), 'x-request-id': 'req-var' },
    );
    expect(a.status).toBe(400);
    expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: 'req-var' });
    expect(a.body.extensions?.meta?.request_id).toBe('req-var');
    const ok = await post(
      dev.url,
      { query: 'query T($n: String!) { __type(name: $n) { name } }', variables: { n: 'Job' } },
      await WHO.user!.headers(),
    );
    expect(ok.body).toMatchObject({ data: { __type: { name: 'Job' } } });
  });

  it('Apollo Sandbox: the landing page loads, and its IntrospectionQuery (also over GET) is answered per caller', async () => {
    const page = await fetch(dev.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
    // What Sandbox sends: POST application/json with operationName IntrospectionQuery.
    const anon = await introspect(dev.url, WHO.anonymous!);
    expect(Object.keys(anon.getMutationType()!.getFields())).toEqual(['login']);
    const admin = await introspect(dev.url, WHO.admin!);
    expect(Object.keys(admin.getQueryType()!.getFields())).toContain('workers');
    // Sandbox asks for everything graphql-js's introspection query can ask.
    const full = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    const rich = await post(dev.url, { query: full, operationName: 'IntrospectionQuery' }, await WHO.user!.headers());
    expect(rich.status, rich.text).toBe(200);
    const userSchema = buildClientSchema(rich.body.data as unknown as IntrospectionQuery);
    expect(userSchema.getQueryType()?.getFields().workers).toBeUndefined();
    expect(userSchema.getQueryType()?.getFields().jobs).toBeDefined();
    const q = encodeURIComponent('{ __schema { queryType { fields { name } } } }');
    const get = await fetch(`${dev.url}?query=${q}`, {
      headers: { ...(await WHO.reader!.headers()), 'apollo-require-preflight': 'true' },
    });
    const body = (await get.json()) as { data: { __schema: { queryType: { fields: { name: string }[] } } } };
    expect(body.data.__schema.queryType.fields.map((f) => f.name).sort()).toEqual(['failing', 'jobs', 'me']);
  });
});

describe('production: introspection off unless INTROSPECTION=true, and then per caller', () => {
  const worker: Who = {
    caller: internalWith(['internal:jobs.worker'], 'pool-a'),
    headers: async () => ({ 'x-internal-api-key': WORKER.key }),
  };

  it('off: __schema and __type refused (400 GRAPHQL_VALIDATION_FAILED) for every caller; __typename served', async () => {
    for (const who of [WHO.anonymous!, WHO.user!, WHO.admin!, worker]) {
      for (const query of [INTROSPECTION, { query: '{ __type(name: "Job") { name } }' }]) {
        const a = await post(prod.url, query, await who.headers());
        expect(a.status, a.text).toBe(400);
        expect(a.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(a.body.data ?? undefined).toBeUndefined();
      }
      const typename = await post(prod.url, { query: '{ __typename }' }, await who.headers());
      expect(typename.body).toMatchObject({ data: { __typename: 'Query' } });
    }
    const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
  });

  it('INTROSPECTION=true: each caller still sees its own schema; Sandbox offers no development login', async () => {
    const opened = await routers.start({ ...production, INTROSPECTION: 'true' });
    const security = opened.router.supergraph.security;
    for (const [name, who] of Object.entries({
      anonymous: WHO.anonymous!,
      user: WHO.user!,
      admin: WHO.admin!,
      worker,
    })) {
      const surface = surfaceOf(await introspect(opened.url, who));
      expect([...surface].sort(), name).toEqual([...expectedSurface(api, security, who.caller)].sort());
    }
    expect(fx.requests()).toEqual([]);
    const page = await (await fetch(opened.url, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('query Me {');
    expect(page).not.toContain(DEV_AUTH_USER.email);
  });
});
