// The auth subgraph's own environment variables (added to lib's subgraph base, see lib/config.ts),
// and the settings its services read from them.
import { z } from 'zod';
import { positiveInt } from '@eventzr/lib/config';
import type { SubgraphEnv } from '@eventzr/lib/subgraph';

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
};

export type AuthEnv = SubgraphEnv<typeof env>;

export interface AuthConfig {
  nodeEnv: AuthEnv['NODE_ENV'];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  passwordResetTtlSeconds: number;
}

export function authConfigFromEnv(env: AuthEnv): AuthConfig {
  return {
    nodeEnv: env.NODE_ENV,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
  };
}
