import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node loads graphql's CommonJS build for every importer; vite would pick the .mjs build for
  // ESM code while CommonJS dependencies (graphql-middleware, @graphql-tools) get the other,
  // and graphql refuses schemas made by "another module". One build everywhere, as in production.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['{lib,router,subgraphs,test,schema,scripts}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.data/**'],
    // PGlite and argon2 make database suites slower than unit tests; none are timed assertions.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // APOLLO_TELEMETRY_DISABLED: belt and braces for tests that build a gateway outside createRouter.
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', APOLLO_TELEMETRY_DISABLED: 'true' },
  },
});
