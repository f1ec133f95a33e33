// Test support for the jobs suites: callers as the router would vouch for them, the contract's
// jobs operations verbatim, and a started subgraph on a fresh database.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { InternalCaller, UserCaller } from '@eventzr/lib/claims';
import { effectivePermissions, normalizeRoles } from '@eventzr/lib/permissions';
import { startTestSubgraph, type GraphQLResponse, type TestSubgraph } from '@eventzr/lib/testing';
import { contractOperation } from '../../../test/support/contract.ts';
import { jobsDefinition, migrationsFolder } from './subgraph.ts';

export function userCaller(opts: {
  tenantId: string;
  roles?: string[];
  userId?: string;
  planTier?: string;
  permissions?: string[];
}): UserCaller {
  const roles = opts.roles ?? ['user'];
  return {
    kind: 'user',
    userId: opts.userId ?? randomUUID(),
    tenantId: opts.tenantId,
    email: 'someone@example.com',
    name: 'Someone',
    roles: normalizeRoles(roles),
    permissions: effectivePermissions(roles, opts.permissions ?? []),
    planTier: opts.planTier ?? 'professional',
    issuer: 'test',
  };
}

export const WORKER: InternalCaller = { kind: 'internal', service: 'jobs-worker' };

/** A tenant with an admin, a user and a viewer. */
export function tenantFixture(planTier = 'professional') {
  const tenantId = randomUUID();
  return {
    tenantId,
    admin: userCaller({ tenantId, roles: ['admin'], planTier }),
    user: userCaller({ tenantId, roles: ['user'], planTier }),
    other: userCaller({ tenantId, roles: ['user'], planTier }),
    viewer: userCaller({ tenantId, roles: ['viewer'], planTier }),
  };
}

export const startJobs = (): Promise<TestSubgraph> => startTestSubgraph(jobsDefinition, { migrationsFolder });

/** Response data as the assertions read it: shaped by the query text, checked by the assertions. */
export type Fields = Record<string, unknown>;
export type Node = { id: string } & Fields;
export interface ConnectionShape<N extends Fields = Node> {
  totalCount: number;
  edges: { cursor: string; node: N }[];
  nodes: N[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** The response's data, failing the test with the errors when there are any. */
export function dataOf<T = Fields>(res: GraphQLResponse): T {
  if (res.body.errors?.length) throw new Error(`unexpected errors: ${JSON.stringify(res.body.errors)}`);
  return res.body.data as T;
}

/** The codes of the response's errors. */
export const codesOf = (res: GraphQLResponse): unknown[] => (res.body.errors ?? []).map((e) => e.extensions?.code);

export async function enqueue(
  sg: TestSubgraph,
  caller: UserCaller,
  input: Record<string, unknown> = {},
): Promise<{ id: string; status: string; createdAt: string }> {
  const res = await sg.exec(caller, ENQUEUE_JOB, {
    input: { type: 'email.send', payload: { n: 1 }, priority: 0, ...input },
  });
  return dataOf<{ enqueueJob: { job: { id: string; status: string; createdAt: string } } }>(res).enqueueJob.job;
}

/** Moves every running lease of the database into the past, as if its time had run out. */
export async function expireLeases(sg: TestSubgraph, jobIds?: string[]): Promise<void> {
  await sg.database.run({ worker: true }, (tx) =>
    tx.execute(
      sql`update jobs set lease_expires_at = now() - interval '1 second'
           where status = 'running' ${
             jobIds
               ? sql`and id in (${sql.join(
                   jobIds.map((id) => sql`${id}::uuid`),
                   sql`, `,
                 )})`
               : sql``
           }`,
    ),
  );
}

/** Makes jobs leasable now (skips a failure's backoff). */
export async function makeDue(sg: TestSubgraph, jobIds: string[]): Promise<void> {
  await sg.database.run({ worker: true }, (tx) =>
    tx.execute(sql`update jobs set run_at = now() - interval '1 second'
                    where id in (${sql.join(
                      jobIds.map((id) => sql`${id}::uuid`),
                      sql`, `,
                    )})`),
  );
}

// ---------------------------------------------------------------- the contract, verbatim
// test/contract/operations.graphql and internal.graphql (the jobs operations). EnqueueJob and
// Jobs also select `createdBy { email }`, which the router fetches from the auth subgraph: what
// it sends here is the same operation with `createdBy { __typename id }` (subgraphOperation).

/** The operation the router's query plan sends to this subgraph for a contract operation. */
export const subgraphOperation = (op: string): string =>
  op.replace(/createdBy \{\s*id\s*email\s*\}/g, 'createdBy { __typename id }');

export const CONTRACT_ENQUEUE_JOB = contractOperation('EnqueueJob');

export const CONTRACT_JOBS = contractOperation('Jobs');

export const ENQUEUE_JOB = subgraphOperation(CONTRACT_ENQUEUE_JOB);
export const JOBS = subgraphOperation(CONTRACT_JOBS);

export const JOBS_BACKWARD = contractOperation('JobsBackward');

export const JOB = contractOperation('Job');

export const UPDATE_JOB = contractOperation('UpdateJob');

export const CANCEL_JOB = contractOperation('CancelJob');

export const RETRY_JOB = contractOperation('RetryJob');

export const DEAD_LETTER_JOBS = contractOperation('DeadLetterJobs');

export const JOB_METRICS = contractOperation('JobMetrics');

export const WORKERS = contractOperation('Workers');

export const LEASE_JOBS = contractOperation('LeaseJobs');

export const HEARTBEAT_JOB = contractOperation('HeartbeatJob');

export const COMPLETE_JOB = contractOperation('CompleteJob');

export const FAIL_JOB = contractOperation('FailJob');

export type LeasedJob = { id: string; type: string; payload: unknown; attempts: number; leaseExpiresAt: string };

export async function lease(
  sg: TestSubgraph,
  vars: { workerId: string; types?: string[]; max?: number; leaseSeconds?: number },
): Promise<LeasedJob[]> {
  const res = await sg.exec(WORKER, LEASE_JOBS, { types: ['email.send'], max: 10, leaseSeconds: 60, ...vars });
  return dataOf<{ leaseJobs: { jobs: LeasedJob[] } }>(res).leaseJobs.jobs;
}

/** A job type no other test uses: the queue is platform-wide, so tests lease by their own type. */
export const uniqueType = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 12)}.work`;

/** A worker id no other test uses. */
export const uniqueWorker = (): string => `w-${randomUUID().slice(0, 8)}`;

export async function jobById(sg: TestSubgraph, caller: UserCaller, id: string): Promise<Fields | null> {
  const res = await sg.exec(
    caller,
    `query ($id: ID!) { job(id: $id) { id tenantId type status priority payload result attempts maxAttempts lastError
       runAt leaseExpiresAt workerId createdAt updatedAt startedAt finishedAt createdBy { id } } }`,
    { id },
  );
  return dataOf<{ job: Fields | null }>(res).job;
}
