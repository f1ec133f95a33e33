// The stored values of the jobs subgraph's enums: the one list the table (schema.ts), the GraphQL
// enum's internal values (resolvers) and codegen all take them from. No imports, so codegen.ts
// can read it.
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead_lettered'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
