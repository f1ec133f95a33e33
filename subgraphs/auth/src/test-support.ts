// Test helpers of the auth subgraph's suites: the subgraph started on a fresh, seeded database with
// test token settings, and the contract's auth operations. Generic helpers come from lib/testing.
import type { UserCaller } from '@eventzr/lib/claims';
import {
  DEV_TENANT_A,
  DEV_TENANT_B,
  devCaller,
  registeredOperation,
  startTestSubgraph,
  type DevEmail,
  type TestSubgraph,
} from '@eventzr/lib/testing';
import { subgraphConfig } from '@eventzr/lib/bootstrap';
import type { Database } from '@eventzr/lib/db';
import type { Role } from '@eventzr/lib/permissions';
import { loginCandidate } from './repositories/identities.ts';
import { ensureUser } from './repositories/users.ts';
import { authConfigFromEnv, type AuthConfig, type env } from './config.ts';
import { JWKS_PATH, subgraph } from './subgraph.ts';

export { devUser, firstError } from '@eventzr/lib/testing';

/** The token settings the tests run with (the auth subgraph's own variables). */
export const TEST_ENV = {
  JWT_ISSUER: 'https://auth.test.eventzr',
  JWT_AUDIENCE: 'eventzr-api-test',
  ACCESS_TOKEN_TTL_SECONDS: '3600',
  REFRESH_TOKEN_TTL_SECONDS: String(7 * 24 * 3600),
  PASSWORD_RESET_TTL_SECONDS: '3600',
};
export const TEST_ISSUER = TEST_ENV.JWT_ISSUER;
/** The settings the services see under TEST_ENV. */
export const TEST_CONFIG: AuthConfig = authConfigFromEnv(
  subgraphConfig(subgraph, {
    ...TEST_ENV,
    NODE_ENV: 'test',
    ROUTER_CLAIMS_SECRET: 'a-secret-only-parsed-here-never-used',
  }),
);

type AuthParts = Awaited<ReturnType<typeof subgraph.build>>;

export interface StartedAuth {
  sg: TestSubgraph<typeof env, AuthParts>;
  jwksUrl: string;
}

/** The auth subgraph on a fresh database with the development seed. */
export async function startAuth(envOverrides: Record<string, string> = {}): Promise<StartedAuth> {
  const sg = await startTestSubgraph(subgraph, { env: { ...TEST_ENV, ...envOverrides }, seed: true });
  return { sg, jwksUrl: new URL(JWKS_PATH, sg.url).toString() };
}

/** The caller the router would derive from a valid access token of this seed user. */
export const callerFor = (email: DevEmail): UserCaller => devCaller(email, TEST_ISSUER);

export const TENANT_A = DEV_TENANT_A!;
export const TENANT_B = DEV_TENANT_B!;

/** The registered auth and Me operations, as the web app sends them. */
export const CONTRACT = Object.fromEntries(
  (['Login', 'RefreshToken', 'Register', 'RequestPasswordReset', 'Logout', 'Me'] as const).map((n) => [
    n,
    registeredOperation(n, 'eventzr-web'),
  ]),
) as Record<'Login' | 'RefreshToken' | 'Register' | 'RequestPasswordReset' | 'Logout' | 'Me', string>;

/**
 * Makes the identity holding `email` a member of `tenantId` (what an invitation flow, not built
 * yet, would do); returns the new membership's user id.
 */
export async function addMembership(database: Database, email: string, tenantId: string, roles: Role[]) {
  const lower = email.toLowerCase();
  const { identity } = await database.run({ settings: { 'app.login_email': lower } }, (tx) =>
    loginCandidate(tx, lower),
  );
  if (!identity) throw new Error(`no identity holds ${email}`);
  const id = crypto.randomUUID();
  await database.run({ tenantId }, (tx) =>
    ensureUser(tx, { id, tenantId, identityId: identity.id, email: identity.email, name: identity.name, roles }),
  );
  return id;
}
