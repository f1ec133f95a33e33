// The jobs subgraph's resolver map, typed by the generated resolver types (npm run codegen).
import { DateTime, enumValues, JSONScalar } from '@eventzr/lib/scalars';
import { JOB_STATUSES } from '../db/enums.ts';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { Job, Tenant, Worker } from './entities.ts';
import { Mutation } from './mutations.ts';
import { Query } from './queries.ts';
import { WorkerMutation } from './worker-protocol.ts';

export const resolvers: Resolvers = {
  DateTime,
  JSON: JSONScalar,
  JobStatus: enumValues(JOB_STATUSES),
  Query,
  Mutation: { ...Mutation, ...WorkerMutation },
  Job,
  Tenant,
  Worker,
};
