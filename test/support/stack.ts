// The whole supergraph for end-to-end tests: the auth and jobs subgraphs on fresh databases
// (PGlite, or real Postgres under TEST_POSTGRES_URL), the supergraph composed from their SDL
// files, and the router in front, each listening on a free port. Requests go over HTTP exactly
// as a web app's or a worker's do.
import { parseConfig, routerEnvSchema } from '../../lib/src/config.ts';
import { DEV_PASSWORD } from '../../lib/src/dev-seed.ts';
import { startTestSubgraph, testClaimsKeys, type TestSubgraph } from '../../lib/src/testing.ts';
import { createRouter, type Router } from '../../router/src/router.ts';
import { composeSupergraph } from '../../schema/compose.ts';
import { seedDevData } from '../../subgraphs/auth/src/seed.ts';
import { createAuthSubgraph, migrationsFolder as authMigrations } from '../../subgraphs/auth/src/subgraph.ts';
import { jobsDefinition, migrationsFolder as jobsMigrations } from '../../subgraphs/jobs/src/subgraph.ts';

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
  auth: TestSubgraph;
  jobs: TestSubgraph;
  /** SQL statements run so far by both subgraphs together. */
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

export async function startStack(routerEnv: Record<string, string> = {}): Promise<Stack> {
  const claims = await testClaimsKeys();
  const [auth, jobs] = await Promise.all([
    startTestSubgraph(
      (database) =>
        createAuthSubgraph(database, {
          nodeEnv: 'test',
          issuer: ISSUER,
          audience: AUDIENCE,
          accessTokenTtlSeconds: 3600,
          refreshTokenTtlSeconds: 86_400,
          passwordResetTtlSeconds: 3600,
        }),
      { migrationsFolder: authMigrations, seed: seedDevData },
    ),
    startTestSubgraph(jobsDefinition, { migrationsFolder: jobsMigrations }),
  ]);
  const { supergraphSdl, errors } = composeSupergraph();
  if (!supergraphSdl) throw new Error(`composition failed: ${errors.join('; ')}`);
  const config = parseConfig(routerEnvSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ROUTER_CLAIMS_PRIVATE_KEY: claims.ROUTER_CLAIMS_PRIVATE_KEY,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    AUTH_SUBGRAPH_URL: auth.url,
    JOBS_SUBGRAPH_URL: jobs.url,
    INTERNAL_API_KEY: INTERNAL_KEY,
    ...routerEnv,
  });
  const router = await createRouter(config, { supergraphSdl });
  const listening = await router.listen(0, '127.0.0.1');

  const raw = async (body: string, headers: Record<string, string> = {}): Promise<GqlResult> => {
    const res = await fetch(listening.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    const text = await res.text();
    let parsed: GqlResult['body'];
    try {
      parsed = JSON.parse(text) as GqlResult['body'];
    } catch {
      throw new Error(`router answered ${res.status} with non-JSON: ${text.slice(0, 300)}`);
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  const gql: Stack['gql'] = (query, variables = {}, opts = {}) =>
    raw(JSON.stringify({ query, variables }), {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    }) as never;

  return {
    url: listening.url,
    router,
    auth,
    jobs,
    statements: () => auth.database.stats.statements + jobs.database.stats.statements,
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
      await Promise.all([auth.close(), jobs.close()]);
    },
  };
}

export { contractOperations } from './contract.ts';
