// GraphQL Code Generator (`npm run codegen`), two kinds of output, both committed:
//
// - resolver types for each registered subgraph (schema/supergraph.yaml), from its own SDL with
//   federation on: the context is the subgraph's own request context (src/context.ts), and every
//   object type whose resolvers get a database row or domain object is mapped to that type (the
//   subgraph's codegen.ts says which), so parents and return values are checked against what the
//   code really passes around;
// - typed documents for each registered client (schema/operations/<client>.graphql), against the
//   public API schema: the TypeScript a web app imports to send an operation with typed
//   variables and result.
//
// `npm run schema:check` imports this default export and regenerates in memory to find stale
// files, so the config is deterministic (no timestamps, sorted client list) and every path is
// relative to the repository root, where both commands run.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { readRegistry, ROOT } from './lib/src/registry.ts';

const OPERATIONS_DIR = 'schema/operations';
const API_SCHEMA = 'schema/api.graphql';

/** Scalars as the resolvers see them: graphql-scalars parses DateTime input to a Date. */
const RESOLVER_SCALARS = {
  DateTime: { input: 'Date', output: 'Date | string' },
  JSON: 'unknown',
};

/** A subgraph's own part of the config: `subgraphs/<name>/codegen.ts` exports it (paths relative to src/generated/). */
export interface SubgraphCodegen {
  /** `<module relative to src/generated>#<type>` of the resolvers' context. */
  contextType: string;
  /** GraphQL type → the TypeScript type its resolvers receive as parent. */
  mappers: Record<string, string>;
  /**
   * GraphQL enum → its internal values (what resolvers receive in arguments and return) and the
   * TypeScript type of those values. The values are written out because codegen types an enum
   * pointing at an external type with a plain `export {}` that verbatimModuleSyntax refuses, and
   * leaves the enum's resolver type null when only the values are given; the subgraph's enum map
   * is typed against the generated `<Enum>Resolvers`, so the two cannot drift apart. The type is
   * imported as `<Enum>Value` (the generated file declares `<Enum>` itself).
   */
  enums?: Record<string, { type: string; values: Record<string, string> }>;
}

function resolverTypes(dir: string, sg: SubgraphCodegen): Record<string, Types.ConfiguredOutput> {
  const enums = Object.entries(sg.enums ?? {});
  return {
    [`${dir}/src/generated/resolvers-types.ts`]: {
      schema: `${dir}/schema.graphql`,
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        federation: true,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: sg.contextType,
        mappers: { ...sg.mappers, ...Object.fromEntries(enums.map(([e, { type }]) => [e, `${type} as ${e}Value`])) },
        enumValues: Object.fromEntries(enums.map(([e, { values }]) => [e, values])),
        scalars: RESOLVER_SCALARS,
      },
    },
  };
}

/** Every registered client: one `<client>.graphql` per client, sorted so the output is stable. */
export function registeredClients(dir = fileURLToPath(new URL(OPERATIONS_DIR, import.meta.url))): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .map((f) => f.slice(0, -'.graphql'.length))
    .sort();
}

function clientDocuments(client: string): Record<string, Types.ConfiguredOutput> {
  return {
    [`${OPERATIONS_DIR}/generated/${client}.ts`]: {
      schema: API_SCHEMA,
      documents: `${OPERATIONS_DIR}/${client}.graphql`,
      // typescript-operations 6 declares the enums and inputs the operations use by itself; the
      // `typescript` plugin would add the whole schema's (and declare those enums a second time).
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        // What a client receives and sends on the wire: DateTime is an ISO-8601 string.
        scalars: { DateTime: 'string', JSON: 'unknown' },
        // No source locations in the documents: the file stays the same whatever the layout.
        documentMode: 'documentNode',
      },
    },
  };
}

/** Every registered subgraph's folder (relative to the root) with its codegen.ts. */
const subgraphs: [string, SubgraphCodegen][] = await Promise.all(
  readRegistry().subgraphs.map(async (s): Promise<[string, SubgraphCodegen]> => {
    const mod = (await import(pathToFileURL(join(s.dir, 'codegen.ts')).href)) as { default: SubgraphCodegen };
    return [relative(ROOT, s.dir), mod.default];
  }),
);

const config: CodegenConfig = {
  overwrite: true,
  // The check compares generated text, so nothing may vary between runs or machines.
  generates: {
    ...Object.fromEntries(subgraphs.flatMap(([dir, sg]) => Object.entries(resolverTypes(dir, sg)))),
    ...Object.fromEntries(registeredClients().flatMap((client) => Object.entries(clientDocuments(client)))),
  },
};

export default config;
