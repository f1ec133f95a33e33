// Test support for the jobs suites: the subgraph on a fresh database, the registered jobs
// operations as clients send them, and queue helpers. Generic helpers come from lib/testing.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { InternalCaller, UserCaller } from '@eventzr/lib/claims';
import { dataOf, internalCaller, registeredOperation, startTestSubgraph, type TestServer } from '@eventzr/lib/testing';
import { subgraph } from './subgraph.ts';

export { codesOf, dataOf, tenantFixture, userCaller } from '@eventzr/lib/testing';

/** A worker pool's credential: holds the worker protocol's scope. */
export const WORKER: InternalCaller = internalCaller('jobs-worker', { scopes: ['internal:jobs.worker'] });
/** Another worker pool, with its own credential and the same scope. */
export const OTHER_WORKER: InternalCaller = internalCaller('other-pool', { scopes: ['internal:jobs.worker'] });
/** An internal credential for something else (a scheduler): no worker scope. */
export const SCHEDULER: InternalCaller = internalCaller('scheduler', { scopes: ['internal:cpaas.outbox'] });

/** The jobs subgraph on a fresh database (no seed: each suite makes its own tenants). */
export const startJobs = () => startTestSubgraph(subgraph);

/** Response data as the assertions read it: shaped by the query text, checked by the assertions. */
export type Fields = Record<string, unknown>;
export type Node = { id: string } & Fields;
export interface ConnectionShape<N extends Fields = Node> {
  totalCount: number;
  edges: { cursor: string; node: N }[];
  nodes: N[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export async function enqueue(
  sg: TestServer,
  caller: UserCaller,
  input: Record<string, unknown> = {},
): Promise<{ id: string; status: string; createdAt: string }> {
  const res = await sg.exec(caller, ENQUEUE_JOB, {
    input: { type: 'email.send', payload: { n: 1 }, priority: 0, ...input },
  });
  return dataOf<{ enqueueJob: { job: { id: string; status: string; createdAt: string } } }>(res).enqueueJob.job;
}

/** Moves every running lease of the database into the past, as if its time had run out. */
export async function expireLeases(sg: TestServer, jobIds?: string[]): Promise<void> {
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
export async function makeDue(sg: TestServer, jobIds: string[]): Promise<void> {
  await sg.database.run({ worker: true }, (tx) =>
    tx.execute(sql`update jobs set run_at = now() - interval '1 second'
                    where id in (${sql.join(
                      jobIds.map((id) => sql`${id}::uuid`),
                      sql`, `,
                    )})`),
  );
}

// ---------------------------------------------------------------- the registered operations
// The jobs operations of eventzr-web and eventzr-jobs-worker, as the clients send them. EnqueueJob and
// Jobs also select `createdBy { email }`, which the router fetches from the auth subgraph: what
// it sends here is the same operation with `createdBy { __typename id }` (subgraphOperation).

/** The operation the router's query plan sends to this subgraph for a contract operation. */
export const subgraphOperation = (op: string): string =>
  op.replace(/createdBy \{\s*id\s*email\s*\}/g, 'createdBy { __typename id }');

export const CONTRACT_ENQUEUE_JOB = registeredOperation('EnqueueJob');

export const CONTRACT_JOBS = registeredOperation('Jobs');

export const ENQUEUE_JOB = subgraphOperation(CONTRACT_ENQUEUE_JOB);
export const JOBS = subgraphOperation(CONTRACT_JOBS);

export const JOBS_BACKWARD = registeredOperation('JobsBackward');

export const JOB = registeredOperation('Job');

export const UPDATE_JOB = registeredOperation('UpdateJob');

export const CANCEL_JOB = registeredOperation('CancelJob');

export const RETRY_JOB = registeredOperation('RetryJob');

export const DEAD_LETTER_JOBS = registeredOperation('DeadLetterJobs');

export const JOB_METRICS = registeredOperation('JobMetrics');

export const WORKERS = registeredOperation('Workers');

export const LEASE_JOBS = registeredOperation('LeaseJobs');

export const HEARTBEAT_JOB = registeredOperation('HeartbeatJob');

export const COMPLETE_JOB = registeredOperation('CompleteJob');

export const FAIL_JOB = registeredOperation('FailJob');

export type LeasedJob = { id: string; type: string; payload: unknown; attempts: number; leaseExpiresAt: string };

export async function lease(
  sg: TestServer,
  vars: { workerId: string; types?: string[]; max?: number; leaseSeconds?: number },
): Promise<LeasedJob[]> {
  const res = await sg.exec(WORKER, LEASE_JOBS, { types: ['email.send'], max: 10, leaseSeconds: 60, ...vars });
  return dataOf<{ leaseJobs: { jobs: LeasedJob[] } }>(res).leaseJobs.jobs;
}

/** A job type no other test uses: the queue is platform-wide, so tests lease by their own type. */
export const uniqueType = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 12)}.work`;

/** A worker id no other test uses. */
export const uniqueWorker = (): string => `w-${randomUUID().slice(0, 8)}`;

export async function jobById(sg: TestServer, caller: UserCaller, id: string): Promise<Fields | null> {
  const res = await sg.exec(
    caller,
    `query ($id: ID!) { job(id: $id) { id tenantId type status priority payload result attempts maxAttempts lastError
       runAt leaseExpiresAt workerId createdAt updatedAt startedAt finishedAt createdBy { id } } }`,
    { id },
  );
  return dataOf<{ job: Fields | null }>(res).job;
}
