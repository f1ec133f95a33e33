// Real components for the router's tests: two small subgraphs built by lib's server factory (they
// verify the router's claims token for real), the supergraph composed from them, RSA keys and a
// JWKS served over HTTP, and helpers to mint tokens (good and bad ones) and call the router.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLSchema } from 'graphql';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { Caller } from '@eventzr/lib/claims';
import { parseConfig } from '@eventzr/lib/config';
import { routerEnvSchema, type RouterEnv } from '../config.ts';
import type { BaseContext, Context } from '@eventzr/lib/context';
import { badUserInput, conflict, forbidden, notFound, quotaExceeded, unauthenticated } from '@eventzr/lib/errors';
import { createLogger } from '@eventzr/lib/logger';
import { Permission } from '@eventzr/lib/permissions';
import { createSubgraphServer, type SubgraphDefinition } from '@eventzr/lib/server';
import {
  allow,
  federationRules,
  hasInternalScope,
  hasPermission,
  isAuthenticated,
  isUserOrInternal,
} from '@eventzr/lib/shield';
import { createTestDatabase, postJson, testClaimsKeys, type TestDatabase } from '@eventzr/lib/testing';
import type { Listening } from '@eventzr/lib/http';
import { JSONScalar } from '@eventzr/lib/scalars';

export const ISSUER = 'https://auth.test.eventzr';
export const AUDIENCE = 'eventzr-api';
export const DEV_SECRET = 'development-secret-of-at-least-32-characters';
export const INTERNAL_KEY = 'internal-api-key-of-at-least-32-characters!';
export const TENANT_A = '00000000-0000-4000-8000-00000000000a';
export const TENANT_B = '00000000-0000-4000-8000-00000000000b';
/** A tenant the fixture auth subgraph refuses to provision external users in. */
export const UNKNOWN_TENANT = '00000000-0000-4000-8000-0000000000ff';

/** The user id the fixture auth subgraph gives an external (issuer, subject) in a tenant. */
export function externalUserId(issuer: string, subject: string, tenantId: string): string {
  const h = createHash('sha256').update(`${issuer}\n${subject}\n${tenantId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------- fixture subgraphs

/** What reached a fixture subgraph: every HTTP request's headers, and every resolver that ran. */
export interface Recorder {
  requests: IncomingHttpHeaders[];
  calls: { field: string; caller: Caller }[];
  reset(): void;
}

function recorder(): Recorder {
  const r: Recorder = {
    requests: [],
    calls: [],
    reset() {
      r.requests.length = 0;
      r.calls.length = 0;
    },
  };
  return r;
}

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@authenticated", "@requiresScopes", "@cost", "@listSize", "@composeDirective"])`;

export const AUTH_SDL = `${FED.replace('"@requiresScopes"', '"@requiresScopes", "@inaccessible"')}
"""Any JSON value."""
scalar JSON
type Query {
  me: User! @authenticated
  users: [User!]! @requiresScopes(scopes: [["users:admin"]])
}
type Mutation {
  login(input: LoginInput!): LoginPayload!
  logout: Boolean! @authenticated
  provisionExternalIdentity(input: ProvisionExternalIdentityInput!): ProvisionExternalIdentityPayload!
    @requiresScopes(scopes: [["internal:auth.provision"]])
    @inaccessible
}
input ProvisionExternalIdentityInput @inaccessible {
  issuer: String!
  subject: String!
  tenantId: ID!
  email: String!
  name: String!
  roles: [String!]!
}
type ProvisionExternalIdentityPayload @inaccessible { userId: ID! }
input LoginInput { email: String! password: String! }
type LoginPayload { accessToken: String! }
type User @key(fields: "id") { id: ID! email: String! tenantId: ID! }
`;

export const JOBS_SDL = `${FED}
"""Any JSON value."""
scalar JSON
type Query {
  jobs: [Job!]! @requiresScopes(scopes: [["jobs:read"]])
  failing(code: String!): Job @requiresScopes(scopes: [["jobs:read"]])
  workers: [Worker!]! @requiresScopes(scopes: [["jobs:admin"]])
}
type Mutation {
  leaseJobs(max: Int!): [Job!]! @requiresScopes(scopes: [["internal:jobs.worker"]])
  enqueueJob(type: String!, payload: JSON): Job! @requiresScopes(scopes: [["jobs:create"]])
}
type Job @key(fields: "id") {
  id: ID!
  type: String!
  createdBy: User
  adminNote: String @requiresScopes(scopes: [["jobs:admin"]])
}
type Worker { id: ID! }
type User @key(fields: "id", resolvable: false) { id: ID! }
`;

type Ctx = Context<Record<string, never>>;

function authDefinition(rec: Recorder): SubgraphDefinition<Record<string, never>> {
  const seen = (field: string, ctx: BaseContext) => rec.calls.push({ field, caller: ctx.caller });
  return {
    name: 'auth',
    typeDefs: parse(AUTH_SDL),
    resolvers: {
      JSON: JSONScalar,
      Query: {
        me: (_p: unknown, _a: unknown, ctx: Ctx) => {
          seen('me', ctx);
          const c = ctx.caller;
          return c.kind === 'user' ? { id: c.userId, email: c.email, tenantId: c.tenantId } : null;
        },
        users: (_p: unknown, _a: unknown, ctx: Ctx) => {
          seen('users', ctx);
          return [];
        },
      },
      Mutation: {
        login: (_p: unknown, args: { input: { email: string } }, ctx: Ctx) => {
          seen('login', ctx);
          return { accessToken: `token-for-${args.input.email}` };
        },
        logout: (_p: unknown, _a: unknown, ctx: Ctx) => {
          seen('logout', ctx);
          return true;
        },
        // The real one (subgraphs/auth) makes an identity and membership; here a stable id per input.
        provisionExternalIdentity: (_p: unknown, args: { input: Record<string, string> }, ctx: Ctx) => {
          seen('provisionExternalIdentity', ctx);
          if (args.input.tenantId === UNKNOWN_TENANT) throw forbidden("The token's tenant does not exist");
          return { userId: externalUserId(args.input.issuer!, args.input.subject!, args.input.tenantId!) };
        },
      },
      User: {
        __resolveReference: (ref: { id: string }, ctx: Ctx) => {
          seen('User.__resolveReference', ctx);
          return { id: ref.id, email: `${ref.id}@example.com`, tenantId: TENANT_A };
        },
      },
    } as never,
    permissions: {
      Query: { ...federationRules, me: isAuthenticated, users: hasPermission(Permission.USERS_ADMIN) },
      Mutation: {
        login: allow,
        logout: isAuthenticated,
        provisionExternalIdentity: hasInternalScope('internal:auth.provision'),
      },
      entities: { User: isUserOrInternal },
    },
    createLoaders: () => ({}),
    routes(app) {
      app.use((req, _res, next) => {
        if (req.path === '/graphql') rec.requests.push({ ...req.headers });
        next();
      });
    },
  };
}

function jobsDefinition(rec: Recorder): SubgraphDefinition<Record<string, never>> {
  const seen = (field: string, ctx: BaseContext) => rec.calls.push({ field, caller: ctx.caller });
  // graphql-shield wants one instance per rule name.
  const canRead = hasPermission(Permission.JOBS_READ);
  const job = (id: string) => ({ id, type: 'email', createdBy: { id: `user-${id}` }, adminNote: 'note' });
  return {
    name: 'jobs',
    typeDefs: parse(JOBS_SDL),
    resolvers: {
      JSON: JSONScalar,
      Query: {
        jobs: (_p: unknown, _a: unknown, ctx: Ctx) => {
          seen('jobs', ctx);
          return [job('1'), job('2')];
        },
        failing: (_p: unknown, args: { code: string }, ctx: Ctx) => {
          seen('failing', ctx);
          switch (args.code) {
            case 'FORBIDDEN':
              throw forbidden('Only its owner may do this', ['jobs:admin']);
            case 'NOT_FOUND':
              throw notFound('Job');
            case 'BAD_USER_INPUT':
              throw badUserInput('type is too long', { field: 'type', maxLength: 64 });
            case 'CONFLICT':
              throw conflict('Job is not queued');
            case 'QUOTA_EXCEEDED':
              throw quotaExceeded('Job quota exceeded', { limit: 10, used: 10 });
            case 'UNAUTHENTICATED':
              throw unauthenticated();
            default:
              throw new Error(
                'connect ECONNREFUSED 10.9.8.7:5432 at Pool.connect (/srv/jobs/node_modules/pg/lib/pool.js:45)',
              );
          }
        },
        workers: (_p: unknown, _a: unknown, ctx: Ctx) => {
          seen('workers', ctx);
          return [];
        },
      },
      Mutation: {
        leaseJobs: (_p: unknown, args: { max: number }, ctx: Ctx) => {
          seen('leaseJobs', ctx);
          return Array.from({ length: Math.min(args.max, 2) }, (_, i) => job(String(i + 10)));
        },
        enqueueJob: (_p: unknown, args: { type: string }, ctx: Ctx) => {
          seen('enqueueJob', ctx);
          return { ...job('99'), type: args.type };
        },
      },
      Job: {
        __resolveReference: (ref: { id: string }, ctx: Ctx) => {
          seen('Job.__resolveReference', ctx);
          return job(ref.id);
        },
      },
    } as never,
    permissions: {
      Query: {
        ...federationRules,
        jobs: canRead,
        failing: canRead,
        workers: hasPermission(Permission.JOBS_ADMIN),
      },
      Mutation: {
        leaseJobs: hasInternalScope('internal:jobs.worker'),
        enqueueJob: hasPermission(Permission.JOBS_CREATE),
      },
      Job: { adminNote: hasPermission(Permission.JOBS_ADMIN) },
      entities: { Job: canRead },
    },
    createLoaders: () => ({}),
    routes(app) {
      app.use((req, _res, next) => {
        if (req.path === '/graphql') rec.requests.push({ ...req.headers });
        next();
      });
    },
  };
}

export interface FixtureSubgraph {
  name: string;
  url: string;
  rec: Recorder;
  close(): Promise<void>;
}

async function startFixture(
  def: SubgraphDefinition<Record<string, never>>,
  rec: Recorder,
  database: TestDatabase,
  production: boolean,
): Promise<FixtureSubgraph> {
  const server = await createSubgraphServer(def, {
    database,
    log: createLogger(def.name, 'silent'),
    production,
    bodyLimit: 1024 * 1024,
    claims: await testClaimsKeys(),
  });
  const listening: Listening = await server.listen(0, '127.0.0.1');
  return {
    name: def.name,
    url: listening.url,
    rec,
    async close() {
      await listening.close();
      await server.stop();
    },
  };
}

export interface Fixtures {
  auth: FixtureSubgraph;
  jobs: FixtureSubgraph;
  supergraphSdl: string;
  /** Every resolver call on both subgraphs. */
  calls(): Recorder['calls'];
  /** Every HTTP request on both subgraphs. */
  requests(): IncomingHttpHeaders[];
  reset(): void;
  close(): Promise<void>;
}

/** The jobs subgraph runs in development mode so an internal error keeps its message: the router must mask it. */
export async function startFixtures(): Promise<Fixtures> {
  const authRec = recorder();
  const jobsRec = recorder();
  // The fixtures keep no data; one database serves both (the server factory wants one for /readyz).
  const database = await createTestDatabase('router_fixtures', join(import.meta.dirname, 'migrations'));
  const [auth, jobs] = await Promise.all([
    startFixture(authDefinition(authRec), authRec, database, true),
    startFixture(jobsDefinition(jobsRec), jobsRec, database, false),
  ]);
  return {
    auth,
    jobs,
    supergraphSdl: composeFixtureSupergraph(auth.url, jobs.url),
    calls: () => [...authRec.calls, ...jobsRec.calls],
    requests: () => [...authRec.requests, ...jobsRec.requests],
    reset() {
      authRec.reset();
      jobsRec.reset();
    },
    async close() {
      await Promise.all([auth.close(), jobs.close()]);
      await database.destroy();
    },
  };
}

/** The API schema the gateway serves for the fixture supergraph (what every caller's schema is cut from). */
export function fixtureApiSchema(): GraphQLSchema {
  const result = composeServices([
    { name: 'auth', typeDefs: parse(AUTH_SDL) },
    { name: 'jobs', typeDefs: parse(JOBS_SDL) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.schema.toAPISchema().toGraphQLJSSchema();
}

export function composeFixtureSupergraph(
  authUrl = 'http://127.0.0.1:1/graphql',
  jobsUrl = 'http://127.0.0.1:2/graphql',
): string {
  const result = composeServices([
    { name: 'auth', url: authUrl, typeDefs: parse(AUTH_SDL) },
    { name: 'jobs', url: jobsUrl, typeDefs: parse(JOBS_SDL) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

// ---------------------------------------------------------------- keys, JWKS, tokens

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

export async function rsaKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/** A JWKS endpoint over real HTTP, as the auth subgraph serves it; counts fetches. */
export interface JwksServer {
  url: string;
  keys: JWK[];
  fetches: number;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, fetches: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.statusCode = 404;
      return res.end();
    }
    state.fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}

export interface UserClaims extends JWTPayload {
  tenantId?: string;
  email?: string;
  name?: string;
  roles?: string[];
  permissions?: string[];
  planTier?: string;
}

export const userClaims = (over: Partial<UserClaims> = {}): UserClaims => ({
  sub: '00000000-0000-4000-8000-000000000aaa',
  tenantId: TENANT_A,
  email: 'user@a.example',
  name: 'User A',
  roles: ['user'],
  planTier: 'starter',
  ...over,
});

export interface MintOptions {
  key: SigningKey | Uint8Array;
  alg?: string;
  kid?: string | null;
  iss?: string | null;
  aud?: string | null;
  /** Seconds from now; null: no exp claim. */
  expiresIn?: number | null;
  nbf?: number;
  now?: number;
}

/** Signs `claims` as an access token; every knob can be turned to make a bad one. */
export async function mint(claims: UserClaims, opts: MintOptions): Promise<string> {
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  const isRsa = !(opts.key instanceof Uint8Array);
  const kid = opts.kid === undefined ? (isRsa ? (opts.key as SigningKey).kid : undefined) : (opts.kid ?? undefined);
  const jwt = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: opts.alg ?? (isRsa ? 'RS256' : 'HS256'), ...(kid ? { kid } : {}), typ: 'JWT' })
    .setIssuedAt(nowSec);
  if (opts.iss !== null) jwt.setIssuer(opts.iss ?? ISSUER);
  if (opts.aud !== null) jwt.setAudience(opts.aud ?? AUDIENCE);
  if (opts.expiresIn !== null) jwt.setExpirationTime(nowSec + (opts.expiresIn ?? 3600));
  if (opts.nbf !== undefined) jwt.setNotBefore(nowSec + opts.nbf);
  return jwt.sign(isRsa ? (opts.key as SigningKey).privateKey : (opts.key as Uint8Array));
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A token with an arbitrary header and payload and the given signature part (e.g. alg none). */
export function handMade(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

// ---------------------------------------------------------------- router config and client

/** The variables that point a router at these fixture subgraphs and at a JWKS server. */
export const fixtureRouterEnv = (fx: Fixtures, jwksUrl: string): Record<string, string> => ({
  AUTH_JWKS_URL: jwksUrl,
  SUBGRAPH_AUTH_URL: fx.auth.url,
  SUBGRAPH_JOBS_URL: fx.jobs.url,
});

export async function routerConfig(env: Record<string, string | undefined> = {}): Promise<RouterEnv> {
  const keys = await testClaimsKeys();
  return parseConfig(routerEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    ROUTER_CLAIMS_PRIVATE_KEY: keys.ROUTER_CLAIMS_PRIVATE_KEY,
    INTERNAL_API_KEY: INTERNAL_KEY,
    DEV_JWT_SECRET: DEV_SECRET,
    CORS_ORIGINS: 'https://app.eventzr.example',
    ...env,
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
    extensions?: { meta?: { request_id: string; trace_id: string; tenant_id: string | null } };
  };
  text: string;
}

export const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
  postJson<Answer['body']>(url, body, headers);

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
