// The auth subgraph's own environment variables (added to lib's subgraph base, see lib/config.ts),
// and the settings its services read from them.
import { z } from 'zod';
import { clockToleranceSeconds, ConfigError, optionalString, positiveInt, subgraphBaseEnv } from '@eventzr/lib/config';
import type { SubgraphEnv } from '@eventzr/lib/subgraph';
import type { KeySettings } from './services/signing-keys.ts';

// Each variable's description is what .env.example says about it (npm run deploy:generate).
export const env = {
  JWT_ISSUER: z
    .string()
    .min(1)
    .default('https://auth.eventzr.local')
    .describe('`iss` of the access tokens this subgraph issues: the router trusts tokens with it (its JWT_ISSUER)'),
  JWT_AUDIENCE: z
    .string()
    .min(1)
    .default('eventzr-api')
    .describe('`aud` of the access tokens: what the router expects (its JWT_AUDIENCE)'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt(3600).describe('lifetime of an access token, in seconds'),
  REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600).describe('lifetime of a refresh token, in seconds'),
  PASSWORD_RESET_TTL_SECONDS: positiveInt(3600).describe('how long a password reset token stays valid, in seconds'),
  DATABASE_SIGNER_URL: optionalString.describe(
    'connection of the signer role (eventzr_signer), the only one that may read signing keys; required with ' +
      'DATABASE_URL and not the same login; unset with the embedded PGlite',
  ),
  SIGNING_KEYS_CACHE_SECONDS: positiveInt(15).describe(
    'how long a process reuses the signing keys it read (JWKS served and key signed with) before reading them again',
  ),
  SIGNING_KEY_PUBLISH_WAIT_SECONDS: positiveInt(60).describe(
    'how long a published key waits before `npm run auth:keys -- activate` lets it sign: at least ' +
      "SIGNING_KEYS_CACHE_SECONDS plus the router's JWKS_COOLDOWN_SECONDS",
  ),
  JWT_CLOCK_TOLERANCE_SECONDS: clockToleranceSeconds.describe(
    "the verifiers' clock tolerance (the router's JWT_CLOCK_TOLERANCE_SECONDS): a retired key stays in the JWKS " +
      'for ACCESS_TOKEN_TTL_SECONDS + this + SIGNING_KEYS_CACHE_SECONDS',
  ),
};

export type AuthEnv = SubgraphEnv<typeof env>;

export interface AuthConfig {
  nodeEnv: AuthEnv['NODE_ENV'];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  passwordResetTtlSeconds: number;
  /** The signer role's connection (Postgres); undefined on the embedded PGlite. */
  signerUrl: string | undefined;
  signingKeys: KeySettings;
}

/**
 * What `npm run auth:keys` reads (src/bin/keys.ts): where the database is and the key timings,
 * without the serving process's other variables (claims keys...).
 */
export const keysCommandEnv = z.object({
  NODE_ENV: subgraphBaseEnv.NODE_ENV,
  DATABASE_URL: subgraphBaseEnv.DATABASE_URL,
  DATABASE_MIGRATOR_URL: subgraphBaseEnv.DATABASE_MIGRATOR_URL,
  DATA_DIR: subgraphBaseEnv.DATA_DIR,
  ACCESS_TOKEN_TTL_SECONDS: env.ACCESS_TOKEN_TTL_SECONDS,
  DATABASE_SIGNER_URL: env.DATABASE_SIGNER_URL,
  SIGNING_KEYS_CACHE_SECONDS: env.SIGNING_KEYS_CACHE_SECONDS,
  SIGNING_KEY_PUBLISH_WAIT_SECONDS: env.SIGNING_KEY_PUBLISH_WAIT_SECONDS,
  JWT_CLOCK_TOLERANCE_SECONDS: env.JWT_CLOCK_TOLERANCE_SECONDS,
});
type KeysEnv = z.output<typeof keysCommandEnv>;

/** Checks across variables, listed together as lib's config does (ConfigError). */
function problemsOf(env: KeysEnv): string[] {
  const problems: string[] = [];
  if (env.DATABASE_URL && !env.DATABASE_SIGNER_URL)
    problems.push(
      'DATABASE_SIGNER_URL: required with DATABASE_URL (the signer role alone may read signing keys: the ' +
        'application role may not)',
    );
  if (env.DATABASE_SIGNER_URL && env.DATABASE_SIGNER_URL === env.DATABASE_URL)
    problems.push('DATABASE_SIGNER_URL: must not be the application login (DATABASE_URL)');
  if (env.SIGNING_KEY_PUBLISH_WAIT_SECONDS < env.SIGNING_KEYS_CACHE_SECONDS)
    problems.push(
      'SIGNING_KEY_PUBLISH_WAIT_SECONDS: at least SIGNING_KEYS_CACHE_SECONDS, or a key could sign before every ' +
        'auth process serves it',
    );
  return problems;
}

/** The signer's connection and the key timings, checked. */
export function keyConfigFromEnv(env: KeysEnv): Pick<AuthConfig, 'signerUrl' | 'signingKeys'> {
  const problems = problemsOf(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    signerUrl: env.DATABASE_SIGNER_URL,
    signingKeys: {
      ttlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
      cacheSeconds: env.SIGNING_KEYS_CACHE_SECONDS,
      publishWaitSeconds: env.SIGNING_KEY_PUBLISH_WAIT_SECONDS,
    },
  };
}

export function authConfigFromEnv(env: AuthEnv): AuthConfig {
  return {
    ...keyConfigFromEnv(env),
    nodeEnv: env.NODE_ENV,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
  };
}
