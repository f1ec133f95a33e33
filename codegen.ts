// GraphQL Code Generator (`npm run codegen`), two kinds of output, both committed:
//
// - resolver types for each subgraph, from its own SDL with federation on: the context is the
//   subgraph's own request context (src/context.ts), and every object type whose resolvers get a
//   database row or domain object is mapped to that type, so parents and return values are
//   checked against what the code really passes around;
// - typed documents for each registered client (schema/operations/<client>.graphql), against the
//   public API schema: the TypeScript a web app imports to send an operation with typed
//   variables and result.
//
// `npm run schema:check` imports this default export and regenerates in memory to find stale
// files, so the config is deterministic (no timestamps, sorted client list) and every path is
// relative to the repository root, where both commands run.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';

const OPERATIONS_DIR = 'schema/operations';
const API_SCHEMA = 'schema/api.graphql';

/** Scalars as the resolvers see them: graphql-scalars parses DateTime input to a Date. */
const RESOLVER_SCALARS = {
  DateTime: { input: 'Date', output: 'Date | string' },
  JSON: 'unknown',
};

/** The mappers' paths are relative to the generated file (src/generated/). */
const DB = '../db/schema.ts';
const LIB_CONNECTION = '@eventzr/lib/connection';

interface SubgraphCodegen {
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

const SUBGRAPHS: Record<string, SubgraphCodegen> = {
  auth: {
    contextType: '../context.ts#AuthContext',
    mappers: {
      User: '../repositories/users.ts#UserWithTenant',
      Tenant: `${DB}#TenantRow`,
      LoginPayload: '../sessions.ts#Session',
      RefreshTokenPayload: '../sessions.ts#Session',
    },
    enums: {
      Role: {
        type: '@eventzr/lib/permissions#Role',
        values: { VIEWER: 'viewer', USER: 'user', ORGANIZER: 'organizer', ADMIN: 'admin' },
      },
      PlanTier: {
        type: `${DB}#PlanTier`,
        values: { FREE: 'free', STARTER: 'starter', PROFESSIONAL: 'professional', ENTERPRISE: 'enterprise' },
      },
    },
  },
  jobs: {
    contextType: '../context.ts#JobsContext',
    mappers: {
      Job: `${DB}#JobRow`,
      JobConnection: `${LIB_CONNECTION}#Connection<JobRow>`,
      JobEdge: `${LIB_CONNECTION}#Edge<JobRow>`,
      JobQuota: '../repositories/quotas.ts#QuotaState',
      Tenant: '../repositories/quotas.ts#TenantKey',
      Worker: '../repositories/workers.ts#WorkerView',
      WorkerConnection: `${LIB_CONNECTION}#Connection<WorkerView>`,
      WorkerEdge: `${LIB_CONNECTION}#Edge<WorkerView>`,
    },
    enums: {
      JobStatus: {
        type: `${DB}#JobStatus`,
        values: {
          QUEUED: 'queued',
          RUNNING: 'running',
          SUCCEEDED: 'succeeded',
          FAILED: 'failed',
          CANCELLED: 'cancelled',
          DEAD_LETTERED: 'dead_lettered',
        },
      },
    },
  },
};

function resolverTypes(name: string, sg: SubgraphCodegen): Record<string, Types.ConfiguredOutput> {
  const enums = Object.entries(sg.enums ?? {});
  return {
    [`subgraphs/${name}/src/generated/resolvers-types.ts`]: {
      schema: `subgraphs/${name}/schema.graphql`,
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

const config: CodegenConfig = {
  overwrite: true,
  // The check compares generated text, so nothing may vary between runs or machines.
  generates: {
    ...Object.fromEntries(Object.entries(SUBGRAPHS).flatMap(([name, sg]) => Object.entries(resolverTypes(name, sg)))),
    ...Object.fromEntries(registeredClients().flatMap((client) => Object.entries(clientDocuments(client)))),
  },
};

export default config;
