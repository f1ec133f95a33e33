// The whole supergraph for end-to-end tests: every subgraph of the registry on a fresh database
// (PGlite, or real Postgres under TEST_POSTGRES_URL) with its development seed, the supergraph
// composed from their SDL files, and the router in front, each listening on a free port.
// Requests go over HTTP exactly as a web app's or a worker's do.
import { print } from 'graphql';
import { parseConfig } from '../../lib/src/config.ts';
import { registeredOperations } from '../../lib/src/operations.ts';
import { DEV_PASSWORD } from '../../lib/src/dev-seed.ts';
import { readRegistry, subgraphVariable } from '../../lib/src/registry.ts';
import { loadSubgraphModule } from '../../lib/src/subgraph.ts';
import { postJson, startTestSubgraph, testClaimsKeys, type TestSubgraph } from '../../lib/src/testing.ts';
import { routerEnvSchema } from '../../router/src/config.ts';
import { GENEROUS_REQUEST_LIMITS } from '../../router/src/__fixtures__/fixtures.ts';
import { createRouter, type Router, type RouterOptions } from '../../router/src/router.ts';
import { composeSubgraphs, formatDiagnostic, registrySubgraphs } from '../../schema/compose.ts';

export const ISSUER = 'https://auth.e2e.eventzr';
export const AUDIENCE = 'eventzr-api';
export const INTERNAL_KEY = 'e2e-internal-key-0123456789abcdefghijklmnop';

export interface GqlResult<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, any> }>;
    extensions?: Record<string, any>;
  };
}

export interface Stack {
  url: string;
  router: Router;
  /** Every registered subgraph, by name. */
  subgraphs: ReadonlyMap<string, TestSubgraph>;
  /** One registered subgraph (throws for a name the registry lacks). */
  subgraph(name: string): TestSubgraph;
  /** SQL statements run so far by every subgraph together. */
  statements(): number;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { token?: string; headers?: Record<string, string> },
  ): Promise<GqlResult<T>>;
  raw(body: string, headers?: Record<string, string>): Promise<GqlResult>;
  /** Logs a seed user in through the router; returns the access and refresh tokens. */
  login(email: string, password?: string): Promise<{ accessToken: string; refreshToken: string }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Router variables on top of the stack's. */
  routerEnv?: Record<string, string>;
  /** Subgraph variables on top of the stack's (every subgraph; each reads its own). */
  subgraphEnv?: Record<string, string>;
  /** A registry file other than schema/supergraph.yaml (e.g. with a subgraph under development). */
  registry?: string;
  /** Key sets the router uses instead of fetching JWKS (e.g. a local Auth0-style issuer's). */
  keySets?: RouterOptions['keySets'];
}

/** The variables every process of the stack shares, as one .env file would hold them. */
const SHARED_ENV = { NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const claims = await testClaimsKeys();
  const registry = readRegistry(opts.registry);
  const started = await Promise.all(
    registry.subgraphs.map(async (entry) => {
      const module = await loadSubgraphModule(entry);
      return [
        entry.name,
        await startTestSubgraph(module, { env: { ...SHARED_ENV, ...opts.subgraphEnv }, seed: true }),
      ] as const;
    }),
  );
  const subgraphs = new Map<string, TestSubgraph>(started);
  const composition = composeSubgraphs(registrySubgraphs(registry));
  if (!composition.supergraphSdl)
    throw new Error(`composition failed: ${composition.errors.map(formatDiagnostic).join('; ')}`);
  const config = parseConfig(routerEnvSchema, {
    ...SHARED_ENV,
    ROUTER_CLAIMS_PRIVATE_KEY: claims.ROUTER_CLAIMS_PRIVATE_KEY,
    INTERNAL_API_KEY: INTERNAL_KEY,
    ...GENEROUS_REQUEST_LIMITS,
    ...Object.fromEntries(started.map(([name, sg]) => [subgraphVariable(name, 'URL'), sg.url])),
    ...opts.routerEnv,
  });
  const supergraphSdl = composition.supergraphSdl;
  const router = await createRouter(config, { supergraphSdl, ...(opts.keySets ? { keySets: opts.keySets } : {}) });
  const listening = await router.listen(0, '127.0.0.1');

  const raw = async (body: string, headers: Record<string, string> = {}): Promise<GqlResult> => {
    const res = await postJson<GqlResult['body']>(listening.url, body, headers);
    return { status: res.status, headers: res.headers, body: res.body };
  };
  const gql: Stack['gql'] = (query, variables = {}, opts = {}) =>
    raw(JSON.stringify({ query, variables }), {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    }) as never;

  return {
    url: listening.url,
    router,
    subgraphs,
    subgraph(name) {
      const sg = subgraphs.get(name);
      if (!sg) throw new Error(`no subgraph ${name} in the stack (${[...subgraphs.keys()].join(', ')})`);
      return sg;
    },
    statements: () => [...subgraphs.values()].reduce((n, sg) => n + sg.database.stats.statements, 0),
    gql,
    raw,
    async login(email, password = DEV_PASSWORD) {
      const res = await gql<{ login: { accessToken: string; refreshToken: string } }>(
        'mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken refreshToken } }',
        { email, password },
      );
      if (!res.body.data?.login) throw new Error(`login failed: ${JSON.stringify(res.body.errors)}`);
      return res.body.data.login;
    },
    async stop() {
      await router.stop();
      await Promise.all([...subgraphs.values()].map((sg) => sg.close()));
    },
  };
}

/** A client's registered operations (schema/operations/<client>.graphql), by name, as it sends them. */
export function clientOperations(client: 'eventzr-web' | 'eventzr-jobs-worker'): Map<string, string> {
  return new Map([...registeredOperations(client)].map(([name, op]) => [name, print(op.document)]));
}
