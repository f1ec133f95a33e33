// Test helpers shared by the auth subgraph's suites: a started subgraph on a fresh, seeded
// database and callers for the seed's users.
import type { UserCaller } from '@eventzr/lib/claims';
import { DEV_TENANTS, DEV_USERS, devUserCaller } from '@eventzr/lib/dev-seed';
import { startTestSubgraph, type TestSubgraph } from '@eventzr/lib/testing';
import { contractOperation } from '../../../test/support/contract.ts';
import type { AuthConfig } from './config.ts';
import { seedDevData } from './seed.ts';
import { JWKS_PATH, createAuthSubgraph, migrationsFolder, type AuthSubgraph } from './subgraph.ts';

export const TEST_CONFIG: AuthConfig = {
  nodeEnv: 'test',
  issuer: 'https://auth.test.eventzr',
  audience: 'eventzr-api-test',
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 7 * 24 * 3600,
  passwordResetTtlSeconds: 3600,
};

export interface StartedAuth {
  sg: TestSubgraph;
  def: AuthSubgraph;
  jwksUrl: string;
}

export async function startAuth(config: AuthConfig = TEST_CONFIG): Promise<StartedAuth> {
  let def: AuthSubgraph | undefined;
  const sg = await startTestSubgraph(async (database) => (def = await createAuthSubgraph(database, config)), {
    migrationsFolder,
    seed: seedDevData,
  });
  if (!def) throw new Error('definition not built');
  return { sg, def, jwksUrl: new URL(JWKS_PATH, sg.url).toString() };
}

type DevEmail = (typeof DEV_USERS)[number]['email'];

export function devUser(email: DevEmail) {
  const u = DEV_USERS.find((x) => x.email === email);
  if (!u) throw new Error(`no dev user ${email}`);
  return u;
}

/** The caller the router would derive from a valid access token of this seed user. */
export function callerFor(email: DevEmail): UserCaller {
  return devUserCaller(devUser(email), TEST_CONFIG.issuer);
}

export const TENANT_A = DEV_TENANTS[0];
export const TENANT_B = DEV_TENANTS[1];

/** The contract's auth and Me operations, exactly as written (test/contract/operations.graphql). */
export const CONTRACT = Object.fromEntries(
  (['Login', 'RefreshToken', 'Register', 'RequestPasswordReset', 'Logout', 'Me'] as const).map((n) => [
    n,
    contractOperation(n),
  ]),
) as Record<'Login' | 'RefreshToken' | 'Register' | 'RequestPasswordReset' | 'Logout' | 'Me', string>;

/** The first error of a response, for assertions on code and message. */
export function firstError(res: {
  body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}) {
  const e = res.body.errors?.[0];
  return e ? { message: e.message, code: e.extensions?.code, extensions: e.extensions ?? {} } : undefined;
}
