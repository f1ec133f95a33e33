// What GraphQL Code Generator needs to type this subgraph's resolvers (root codegen.ts reads it):
// the context type and, per GraphQL type, the TypeScript type its resolvers really receive.
// Paths are relative to the generated file, src/generated/resolvers-types.ts.
import type { SubgraphCodegen } from '../../codegen.ts';
import { enumValues } from '../../lib/src/scalars.ts';
import { JOB_STATUSES } from './src/db/enums.ts';

const CONNECTION = '@eventzr/lib/connection';

export default {
  contextType: '../context.ts#JobsContext',
  mappers: {
    Job: '../db/schema.ts#JobRow',
    JobConnection: `${CONNECTION}#Connection<JobRow>`,
    JobEdge: `${CONNECTION}#Edge<JobRow>`,
    JobQuota: '../services/quotas.ts#QuotaState',
    Tenant: '../services/quotas.ts#TenantKey',
    Worker: '../repositories/workers.ts#WorkerView',
    WorkerConnection: `${CONNECTION}#Connection<WorkerView>`,
    WorkerEdge: `${CONNECTION}#Edge<WorkerView>`,
  },
  enums: {
    JobStatus: { type: '../db/schema.ts#JobStatus', values: enumValues(JOB_STATUSES) },
  },
} satisfies SubgraphCodegen;
