// The auth subgraph's settings, taken from the subgraph environment (lib/config.ts) by main.ts,
// or given directly by tests.
import type { SubgraphEnv } from '@eventzr/lib/config';

export interface AuthConfig {
  nodeEnv: SubgraphEnv['NODE_ENV'];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  passwordResetTtlSeconds: number;
}

export function authConfigFromEnv(env: SubgraphEnv): AuthConfig {
  return {
    nodeEnv: env.NODE_ENV,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS,
    passwordResetTtlSeconds: env.PASSWORD_RESET_TTL_SECONDS,
  };
}
