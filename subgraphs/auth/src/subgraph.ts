// The auth subgraph: users, tenants, sign-in and tokens. createAuthSubgraph loads (or, on first
// start, creates) the signing key, so the definition is built once the database is open.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { parse } from 'graphql';
import type { Database } from '@eventzr/lib/db';
import type { SubgraphDefinition } from '@eventzr/lib/server';
import type { AuthConfig } from './config.ts';
import { createLoaders, type AuthLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { createResolvers } from './resolvers/index.ts';
import { createTokenIssuer, loadSigningKeys, type TokenIssuer } from './tokens.ts';

export const SUBGRAPH_NAME = 'auth';
export const DEFAULT_PORT = 4001;
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));
export const typeDefs = parse(readFileSync(fileURLToPath(new URL('../schema.graphql', import.meta.url)), 'utf8'));

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

export interface AuthSubgraph extends SubgraphDefinition<AuthLoaders> {
  issuer: TokenIssuer;
}

export async function createAuthSubgraph(database: Database, config: AuthConfig): Promise<AuthSubgraph> {
  const keys = await loadSigningKeys(database, { ttlSeconds: config.accessTokenTtlSeconds });
  const issuer = createTokenIssuer(keys, {
    issuer: config.issuer,
    audience: config.audience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  return {
    name: SUBGRAPH_NAME,
    typeDefs,
    resolvers: createResolvers({ database, issuer, config }),
    permissions,
    createLoaders,
    routes: jwksRoute(issuer),
    issuer,
  };
}
