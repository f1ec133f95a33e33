// GraphQL Code Generator: resolver types for each subgraph, from its own SDL with federation on,
// typed against the request context in lib/. `npm run codegen` writes them; the schema workflow
// (registry checks, typed client documents, resolvers adopting these types) builds on this.
import type { CodegenConfig } from '@graphql-codegen/cli';

const subgraph = (name: string): CodegenConfig['generates'] => ({
  [`subgraphs/${name}/src/generated/resolvers-types.ts`]: {
    schema: `subgraphs/${name}/schema.graphql`,
    plugins: ['typescript', 'typescript-resolvers'],
    config: {
      federation: true,
      useIndexSignature: true,
      useTypeImports: true,
      contextType: '@eventzr/lib/context#BaseContext',
      scalars: { DateTime: 'Date | string', JSON: 'unknown' },
      enumsAsTypes: true,
    },
  },
});

const config: CodegenConfig = {
  overwrite: true,
  generates: { ...subgraph('auth'), ...subgraph('jobs') },
};

export default config;
