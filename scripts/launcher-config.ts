// The configuration of `npm start` (scripts/start.ts), apart from the launcher itself so that
// `npm run deploy:generate` can read it (for .env.example) without starting anything.
import { z } from 'zod';
import { commonEnv, port, registryEnv, subgraphSettings } from '../lib/src/config.ts';
import { tokenIssuerSubgraph } from '../router/src/config.ts';

/**
 * SUBGRAPH_<NAME>_PORT, one per registered subgraph. 0 or unset is the registry's port; the
 * description documents the pattern in .env.example.
 */
export const subgraphPortSetting = port(0).describe(
  "the port `npm start` runs the subgraph on; default: its registry routing URL's port",
);

// Each variable's description is what .env.example says about it (npm run deploy:generate).
export const launcherShape = {
  ...commonEnv,
  ...registryEnv,
  DATA_DIR: z
    .string()
    .default('.data')
    .describe('where `npm start` keeps the PGlite databases and its generated keys (local-secrets.json)'),
  PORT: port(4000).describe('the port `npm start` runs the router on'),
  TOKEN_ISSUER_SUBGRAPH: tokenIssuerSubgraph.describe(
    'the subgraph whose URL `npm start` gives the router and that subgraph as JWT_ISSUER',
  ),
};

/** The launcher's own variables; every process it starts validates the environment it inherits. */
export const launcherEnvSchema = z.looseObject(launcherShape).transform((env, ctx) => ({
  NODE_ENV: env.NODE_ENV,
  LOG_LEVEL: env.LOG_LEVEL,
  SUBGRAPH_REGISTRY: env.SUBGRAPH_REGISTRY,
  DATA_DIR: env.DATA_DIR,
  PORT: env.PORT,
  TOKEN_ISSUER_SUBGRAPH: env.TOKEN_ISSUER_SUBGRAPH,
  /** SUBGRAPH_<NAME>_PORT: a subgraph's port instead of its registry URL's. */
  SUBGRAPH_PORTS: subgraphSettings('PORT', subgraphPortSetting)(env, ctx),
}));
