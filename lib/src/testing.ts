// The test kit every subgraph's tests (and the end-to-end tests) use: fresh databases, a started
// subgraph with a client that signs claims like the router, callers, response readers, statement
// counting, the registered operations, and the database catalog assertion.
export * from './testing/callers.ts';
export * from './testing/database.ts';
export * from './testing/postgres.ts';
export * from './testing/redis.ts';
export * from './testing/http.ts';
export * from './testing/responses.ts';
export * from './testing/subgraph.ts';
export { registeredOperation, registeredOperations } from './operations.ts';
export * from './testing/catalog.ts';
