// The auth subgraph: tenants, users, sign-in and tokens. Its resolvers are built once the database
// is open, because they sign with the installation's key, loaded (or on first start made) there.
import type { Express } from 'express';
import { defineSubgraph } from '@eventzr/lib/subgraph';
import { authConfigFromEnv, env } from './config.ts';
import { createLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { createResolvers } from './resolvers/index.ts';
import { seedDevData } from './seed.ts';
import { resetSender } from './services/resets.ts';
import { createTokenIssuer, loadSigningKeys, type TokenIssuer } from './services/tokens.ts';

export const JWKS_PATH = '/.well-known/jwks.json';

/** Public keys only; verifiers cache them, and re-fetch on an unknown kid. */
function jwksRoute(issuer: TokenIssuer) {
  const body = JSON.stringify(issuer.jwks);
  return (app: Express) => {
    app.get(JWKS_PATH, (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300, stale-while-revalidate=60');
      res.type('application/jwk-set+json').send(body);
    });
  };
}

export const subgraph = defineSubgraph({
  name: 'auth',
  moduleUrl: import.meta.url,
  env,
  permissions,
  createLoaders,
  async build({ env, database }) {
    const config = authConfigFromEnv(env);
    const keys = await loadSigningKeys(database, { ttlSeconds: config.accessTokenTtlSeconds });
    const issuer = createTokenIssuer(keys, {
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
    });
    return { resolvers: createResolvers({ database, issuer, config }), routes: jwksRoute(issuer), issuer };
  },
  seed: ({ database }) => seedDevData(database),
  // requestPasswordReset only queues: this issues and delivers the tokens, off the request path.
  background: [resetSender],
});
