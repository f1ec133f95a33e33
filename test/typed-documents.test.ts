// The typed documents codegen writes for registered clients (schema/operations/generated/) are
// what a web app imports: sent through the router, each answers in the shape its type declares,
// and the variables and result are checked by the compiler, not cast.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EnqueueJobDocument,
  JobDocument,
  JobsDocument,
  MeDocument,
} from '../schema/operations/generated/eventzr-web.ts';
import { LeaseJobsDocument } from '../schema/operations/generated/eventzr-jobs-worker.ts';
import { INTERNAL_KEY, startStack, type Stack } from './support/stack.ts';

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack();
  token = (await stack.login('dev@eventzr.com')).accessToken;
});
afterAll(() => stack?.stop());

async function send<Result, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  opts: { token?: string; headers?: Record<string, string> } = { token },
): Promise<Result> {
  const res = await stack.gql<Result & Record<string, unknown>>(print(document), variables, opts);
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
  return res.body.data as Result;
}

describe('typed documents of registered operations', () => {
  it('eventzr-web: Me, EnqueueJob, Job and Jobs answer as typed', async () => {
    const { me } = await send(MeDocument, {});
    expect(me.email).toBe('dev@eventzr.com');
    expect(me.roles).toContain('USER');

    const { enqueueJob } = await send(EnqueueJobDocument, {
      input: { type: 'report.build', payload: { month: '2026-11' }, priority: 5 },
    });
    expect(enqueueJob.job).toMatchObject({ type: 'report.build', status: 'QUEUED', priority: 5 });
    expect(enqueueJob.job.createdBy?.email).toBe('dev@eventzr.com');

    const { job } = await send(JobDocument, { id: enqueueJob.job.id });
    expect(job?.payload).toEqual({ month: '2026-11' });

    const { jobs } = await send(JobsDocument, { first: 5, filter: { type: 'report.build' } });
    expect(jobs.edges.map((e) => e.node.id)).toContain(enqueueJob.job.id);
    expect(jobs.pageInfo.hasPreviousPage).toBe(false);
  });

  it('eventzr-jobs-worker: LeaseJobs with the internal key', async () => {
    const { enqueueJob } = await send(EnqueueJobDocument, { input: { type: 'typed.lease' } });
    const { leaseJobs } = await send(
      LeaseJobsDocument,
      { workerId: 'typed-worker-1', types: ['typed.lease'], max: 1, leaseSeconds: 30 },
      { headers: { 'x-internal-api-key': INTERNAL_KEY } },
    );
    // The result type holds what LeaseJobs selects (no status: the compiler refuses j.status).
    expect(leaseJobs.jobs.map((j) => [j.id, j.type, j.attempts])).toEqual([[enqueueJob.job.id, 'typed.lease', 1]]);
    expect(leaseJobs.jobs[0]!.leaseExpiresAt).toEqual(expect.any(String));
  });
});
