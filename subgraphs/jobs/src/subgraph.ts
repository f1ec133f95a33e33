// The jobs subgraph: its SDL, resolvers, permission tree and loaders as one definition that the
// server factory (main.ts, tests) and the benchmarks build from.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import type { SubgraphDefinition } from '@eventzr/lib/server';
import { createLoaders, type JobsLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { resolvers } from './resolvers/index.ts';

export const JOBS_SUBGRAPH_NAME = 'jobs';
export const JOBS_DEFAULT_PORT = 4002;

/** The SDL text (schema.graphql), as composition and the schema checks read it. */
export const jobsSdl = readFileSync(fileURLToPath(new URL('../schema.graphql', import.meta.url)), 'utf8');
export const jobsTypeDefs = parse(jobsSdl);
export const migrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

/**
 * What createSubgraphServer serves. For benchmarks: `buildShieldedSchema(jobsDefinition)` is the
 * schema as served; `buildSubgraphSchema({ typeDefs: jobsDefinition.typeDefs, resolvers:
 * jobsDefinition.resolvers })` the same schema without the shield.
 */
export const jobsDefinition: SubgraphDefinition<JobsLoaders> = {
  name: JOBS_SUBGRAPH_NAME,
  typeDefs: jobsTypeDefs,
  resolvers,
  permissions,
  createLoaders,
};
