// The one shape every subgraph has. A subgraph is a folder:
//
//   subgraphs/<name>/
//     schema.graphql        its SDL (the registry entry points here)
//     codegen.ts            its resolver types' mappers (codegen.ts at the root reads it)
//     drizzle/              committed migrations (drizzle-kit), drizzle.config.ts
//     src/subgraph.ts       `export const subgraph = defineSubgraph({...})`: this module
//     src/config.ts         its own environment variables (a zod shape) and its typed settings
//     src/permissions.ts    its authorization: rules per field and per entity (lib/rules)
//     src/loaders.ts        per-request DataLoaders
//     src/inputs.ts         input rules (lib/inputs)
//     src/seed.ts           development seed data
//     src/services/         business rules, called by thin resolvers
//     src/repositories/     SQL, one module per aggregate
//     src/resolvers/        read arguments, call a service, return
//     src/db/schema.ts      tables, with their row level security (lib/rls)
//     src/**/*.test.ts      tests beside the code, through lib/testing
//
// The registry (lib/registry) finds the module at src/subgraph.ts; lib's bootstrap runs it, lib's
// testing kit starts it for tests, the launcher and the test stack start every registered one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Express } from 'express';
import { parse, type DocumentNode } from 'graphql';
import type { z } from 'zod';
import type { SubgraphBaseEnv } from './config.ts';
import type { BaseContext } from './context.ts';
import type { Database } from './db.ts';
import type { Logger } from './logger.ts';
import type { RegisteredSubgraph } from './registry.ts';
import type { SubgraphDefinition, SubgraphResolvers } from './server.ts';
import type { PermissionTree } from './shield.ts';

/** A subgraph's settings: lib's base variables and the subgraph's own, parsed. */
export type SubgraphEnv<Own extends z.ZodRawShape = z.ZodRawShape> = SubgraphBaseEnv & z.output<z.ZodObject<Own>>;

/** What a subgraph's parts are built from, in a process or in a test. */
export interface SubgraphDeps<Own extends z.ZodRawShape = z.ZodRawShape> {
  env: SubgraphEnv<Own>;
  database: Database;
  log: Logger;
}

/** What `build` returns: the resolvers, extra HTTP routes, and anything tests may want to reach. */
export interface SubgraphParts {
  resolvers: SubgraphResolvers;
  /** Routes mounted before authentication (e.g. the auth subgraph's public JWKS). */
  routes?(app: Express): void;
  /** Releases what `build` opened besides the database (e.g. another role's connection), on shutdown. */
  close?(): Promise<void>;
}

/**
 * Work a subgraph process runs besides serving (e.g. a periodic sweep). Started once the server
 * listens (unless BACKGROUND_TASKS=false); `start` returns the function that stops it, awaited
 * on shutdown before the database closes.
 */
export interface BackgroundTask<Own extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  start(deps: SubgraphDeps<Own>): () => Promise<void> | void;
}

export interface SubgraphModule<
  Own extends z.ZodRawShape = z.ZodRawShape,
  L = unknown,
  P extends SubgraphParts = SubgraphParts,
> {
  /** The name the registry lists it under: the audience of the claims tokens it accepts. */
  readonly name: string;
  /** Its folder. */
  readonly dir: string;
  /** schema.graphql, as text and parsed. */
  readonly sdl: string;
  readonly typeDefs: DocumentNode;
  /** drizzle/ in its folder. */
  readonly migrationsFolder: string;
  /** Its own environment variables, added to lib's base (config.ts subgraphEnvSchema). */
  readonly env: Own;
  /** Its authorization: a rule per root field, per guarded field, and per entity (lib/rules). */
  readonly permissions: PermissionTree;
  /** The request's DataLoaders: a fresh set per request. */
  createLoaders(ctx: BaseContext): L;
  /** Builds the resolvers once the database is open. */
  build(deps: SubgraphDeps<Own>): P | Promise<P>;
  /** Development seed data: idempotent; never run when NODE_ENV=production or SEED_DEV_DATA=false. */
  seed?(deps: SubgraphDeps<Own>): Promise<void>;
  readonly background: readonly BackgroundTask<Own>[];
}

export interface SubgraphSpec<Own extends z.ZodRawShape, L, P extends SubgraphParts> {
  name: string;
  /** `import.meta.url` of the module's src/subgraph.ts: the folder is found from it. */
  moduleUrl: string;
  env: Own;
  permissions: PermissionTree;
  createLoaders(ctx: BaseContext): L;
  build(deps: SubgraphDeps<Own>): P | Promise<P>;
  seed?(deps: SubgraphDeps<Own>): Promise<void>;
  background?: readonly BackgroundTask<Own>[];
}

/** Declares a subgraph. The folder layout is fixed: the SDL and migrations are found from `moduleUrl`. */
export function defineSubgraph<Own extends z.ZodRawShape, L, P extends SubgraphParts>(
  spec: SubgraphSpec<Own, L, P>,
): SubgraphModule<Own, L, P> {
  const src = dirname(fileURLToPath(spec.moduleUrl));
  const dir = dirname(src);
  const sdl = readFileSync(join(dir, 'schema.graphql'), 'utf8');
  return {
    name: spec.name,
    dir,
    sdl,
    typeDefs: parse(sdl),
    migrationsFolder: join(dir, 'drizzle'),
    env: spec.env,
    permissions: spec.permissions,
    createLoaders: spec.createLoaders,
    build: spec.build,
    ...(spec.seed ? { seed: spec.seed } : {}),
    background: spec.background ?? [],
  };
}

/** The server factory's input: the module's static parts and what `build` made. */
export function definitionOf<L>(module: SubgraphModule<z.ZodRawShape, L>, parts: SubgraphParts): SubgraphDefinition<L> {
  return {
    name: module.name,
    typeDefs: module.typeDefs,
    resolvers: parts.resolvers,
    permissions: module.permissions,
    createLoaders: module.createLoaders,
    ...(parts.routes ? { routes: parts.routes } : {}),
  };
}

/** Imports a registered subgraph's module and checks it is the subgraph the registry names. */
export async function loadSubgraphModule(entry: RegisteredSubgraph): Promise<SubgraphModule> {
  const mod = (await import(pathToFileURL(entry.modulePath).href)) as { subgraph?: SubgraphModule };
  const sg = mod.subgraph;
  if (!sg || typeof sg.build !== 'function')
    throw new Error(`${entry.modulePath} does not export \`subgraph\` (made by lib's defineSubgraph)`);
  if (sg.name !== entry.name)
    throw new Error(`${entry.modulePath} defines subgraph "${sg.name}", but the registry lists it as "${entry.name}"`);
  if (sg.dir !== entry.dir)
    throw new Error(`${entry.modulePath}: the registry's SDL is not the subgraph's own schema.graphql`);
  return sg;
}
