// The subgraph registry: `schema/supergraph.yaml`, in the format `rover supergraph compose
// --config` reads, is the one list of subgraphs. Everything that names subgraphs derives from it:
// composition and the schema check, codegen, `npm start`, the end-to-end test stack, the router's
// default URLs (through the composed supergraph), and the generated deployment files.
//
// An entry is a name, the routing URL the committed supergraph records (its port is the
// subgraph's default port), and the SDL file. Every subgraph has the same layout, so the rest is
// found from the SDL's folder: `<folder>/schema.graphql`, `<folder>/src/subgraph.ts` (its module,
// see subgraph.ts), `<folder>/drizzle/` (migrations), `<folder>/codegen.ts` (resolver mappers).
//
// SUBGRAPH_REGISTRY points at another registry file (tests add a throwaway subgraph that way);
// what composition writes (supergraph.graphql, api.graphql, access.json) sits next to it.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { readConfig, registryEnvSchema } from './config.ts';

/** The repository root (lib/src/../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_REGISTRY_PATH = join(ROOT, 'schema', 'supergraph.yaml');

/** Subgraph names: what the router addresses claims tokens to, and SUBGRAPH_<NAME>_URL's NAME. */
export const SUBGRAPH_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

const roverConfig = z.object({
  federation_version: z.string().regex(/^=?2(\.\d+){0,2}$/, 'a Federation 2 version, e.g. =2.14.4'),
  subgraphs: z
    .record(
      z.string().regex(SUBGRAPH_NAME, 'lowercase subgraph names (a-z, 0-9, single underscores)'),
      z.object({
        routing_url: z.url(),
        schema: z.object({ file: z.string().min(1) }).strict(),
      }),
    )
    .refine((s) => Object.keys(s).length > 0, 'at least one subgraph'),
});

export interface RegisteredSubgraph {
  name: string;
  /** The routing URL the committed supergraph records: the local default. */
  url: string;
  /** Its port: the port `npm start` runs the subgraph on unless SUBGRAPH_<NAME>_PORT says otherwise. */
  port: number;
  /** The subgraph's folder (absolute). */
  dir: string;
  /** Its SDL, schema.graphql in the folder (absolute). */
  schemaPath: string;
  /** The SDL's path as shown in reports: relative to the repository when inside it. */
  schemaFile: string;
  /** The module every subgraph exports its definition from: src/subgraph.ts (absolute). */
  modulePath: string;
}

export interface Registry {
  /** The registry file (absolute). */
  path: string;
  /** Where composition writes supergraph.graphql, api.graphql and access.json. */
  outDir: string;
  federationVersion: string;
  subgraphs: RegisteredSubgraph[];
}

export class RegistryError extends Error {
  constructor(path: string, problems: string[]) {
    super(`${displayPath(path)} is invalid: ${problems.join('; ')}`);
    this.name = 'RegistryError';
  }
}

export const displayPath = (p: string): string => {
  const rel = relative(ROOT, p);
  return rel.startsWith('..') ? p : rel;
};

function portOf(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** The registry file in use: SUBGRAPH_REGISTRY, else schema/supergraph.yaml. */
export function registryPath(): string {
  const configured = readConfig(registryEnvSchema).SUBGRAPH_REGISTRY;
  return configured ? resolve(ROOT, configured) : DEFAULT_REGISTRY_PATH;
}

/** Reads and checks a registry file: every entry names a folder laid out like every subgraph. */
export function readRegistry(path = registryPath()): Registry {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RegistryError(path, [(err as Error).message]);
  }
  const parsed = roverConfig.safeParse(raw);
  if (!parsed.success)
    throw new RegistryError(
      path,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  const problems: string[] = [];
  const subgraphs = Object.entries(parsed.data.subgraphs).map(([name, s]): RegisteredSubgraph => {
    const schemaPath = resolve(dirname(path), s.schema.file);
    const dir = dirname(schemaPath);
    const modulePath = join(dir, 'src', 'subgraph.ts');
    if (basename(schemaPath) !== 'schema.graphql')
      problems.push(`${name}: the SDL must be the folder's schema.graphql (got ${s.schema.file})`);
    else if (!existsSync(schemaPath)) problems.push(`${name}: ${displayPath(schemaPath)} does not exist`);
    if (!existsSync(modulePath)) problems.push(`${name}: ${displayPath(modulePath)} does not exist`);
    return {
      name,
      url: s.routing_url,
      port: portOf(s.routing_url),
      dir,
      schemaPath,
      schemaFile: displayPath(schemaPath),
      modulePath,
    };
  });
  const ports = new Map<number, string>();
  for (const s of subgraphs) {
    const other = ports.get(s.port);
    if (other) problems.push(`${s.name}: port ${s.port} is ${other}'s too`);
    ports.set(s.port, s.name);
  }
  if (problems.length > 0) throw new RegistryError(path, problems);
  return { path, outDir: dirname(path), federationVersion: parsed.data.federation_version, subgraphs };
}

/** The environment variable a subgraph-specific setting of `name` is read from, e.g. SUBGRAPH_JOBS_URL. */
export const subgraphVariable = (name: string, setting: 'URL' | 'PORT'): string =>
  `SUBGRAPH_${name.toUpperCase()}_${setting}`;

/** The registry's files next to it: what `npm run schema:compose` writes. */
export function composedPaths(registry: Pick<Registry, 'outDir'>) {
  return {
    supergraph: join(registry.outDir, 'supergraph.graphql'),
    api: join(registry.outDir, 'api.graphql'),
    access: join(registry.outDir, 'access.json'),
  };
}
