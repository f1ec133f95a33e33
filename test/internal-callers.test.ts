// Internal callers end to end: the whole stack (router + every subgraph, real databases) over
// HTTPS with mTLS on the worker protocol, each worker pool with its own credential and client
// certificate (made at run time by a test CA). The worker protocol runs as its registered client
// (eventzr-jobs-worker) sends it; a job is enqueued by a web user as the web app does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PASSWORD } from '../lib/src/dev-seed.ts';
import { createTestCa, postJsonTls, type HttpsAnswer, type Pem, type TestCa } from '../lib/src/testing/certificates.ts';
import { credentialLine, newCredential } from '../router/src/auth/credentials.ts';
import { clientOperations, startStack, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const worker = clientOperations('eventzr-jobs-worker');
const WORKER_SCOPE = 'internal:jobs.worker';

const poolA = newCredential('pool-a', [WORKER_SCOPE]);
const poolB = newCredential('pool-b', [WORKER_SCOPE]);
const scheduler = newCredential('scheduler', ['internal:cpaas.outbox']);
const retired = newCredential('retired', [WORKER_SCOPE]);

let stack: Stack;
let ca: TestCa;
let certs: Record<'a' | 'b' | 'scheduler' | 'stranger', Pem>;
let userToken: string;

type Body = { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] };

const send = (
  query: string,
  variables: Record<string, unknown>,
  opts: { key?: string; client?: Pem; token?: string } = {},
): Promise<HttpsAnswer<Body>> =>
  postJsonTls<Body>(
    stack.url,
    { query, variables },
    {
      ca: ca.cert,
      ...(opts.client ? { client: opts.client } : {}),
      headers: {
        ...(opts.key ? { 'x-internal-api-key': opts.key } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      },
    },
  );

beforeAll(async () => {
  ca = await createTestCa();
  const otherCa = await createTestCa('Another CA');
  const server = await ca.issue({ cn: 'router', server: true });
  const [a, b, s, stranger] = await Promise.all([
    ca.issue({ cn: 'pool-a' }),
    ca.issue({ cn: 'pool-b' }),
    ca.issue({ cn: 'scheduler' }),
    otherCa.issue({ cn: 'pool-a' }),
  ]);
  certs = { a, b, scheduler: s, stranger };
  stack = await startStack({
    routerEnv: {
      INTERNAL_CREDENTIALS: [
        credentialLine(poolA.credential),
        credentialLine(poolB.credential),
        credentialLine(scheduler.credential),
        credentialLine({ ...retired.credential, revoked: true }),
      ].join(';'),
      ROUTER_TLS_CERT: server.cert,
      ROUTER_TLS_KEY: server.key,
      ROUTER_MTLS_CA: ca.cert,
    },
  });
  const login = await send(web.get('Login')!, { email: 'dev@eventzr.com', password: DEV_PASSWORD });
  userToken = login.body.data?.login?.accessToken;
  expect(userToken, JSON.stringify(login.body)).toEqual(expect.any(String));
}, 120_000);
afterAll(() => stack?.stop());

async function enqueued(type: string): Promise<string> {
  const res = await send(web.get('EnqueueJob')!, { input: { type, payload: { n: 1 } } }, { token: userToken });
  const id = res.body.data?.enqueueJob?.job?.id;
  expect(id, JSON.stringify(res.body)).toEqual(expect.any(String));
  return id;
}

const uniqueType = () => `e2e${Math.random().toString(36).slice(2, 10)}.work`;
const codeOf = (a: HttpsAnswer<Body>) => a.body.errors?.[0]?.extensions?.code;

async function leaseOne(type: string, workerId: string, key: string, client: Pem): Promise<string> {
  const res = await send(
    worker.get('LeaseJobs')!,
    { workerId, types: [type], max: 1, leaseSeconds: 60 },
    { key, client },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const jobs = res.body.data?.leaseJobs?.jobs as { id: string }[];
  expect(jobs).toHaveLength(1);
  return jobs[0]!.id;
}

describe('the worker protocol over mTLS, one credential per worker pool', () => {
  it("one pool cannot heartbeat, complete or fail another pool's lease; the owner can", async () => {
    const type = uniqueType();
    const jobId = await enqueued(type);
    const workerId = 'shared-worker-name';
    expect(await leaseOne(type, workerId, poolA.key, certs.a)).toBe(jobId);

    const asB = { key: poolB.key, client: certs.b };
    for (const [op, vars] of [
      ['HeartbeatJob', { jobId, workerId, leaseSeconds: 600 }],
      ['CompleteJob', { jobId, workerId, result: { stolen: true } }],
      ['FailJob', { jobId, workerId, error: 'sabotage' }],
    ] as const) {
      const res = await send(worker.get(op)!, vars, asB);
      expect(codeOf(res), `${op}: ${JSON.stringify(res.body)}`).toBe('NOT_FOUND');
    }
    const asA = { key: poolA.key, client: certs.a };
    const hb = await send(worker.get('HeartbeatJob')!, { jobId, workerId, leaseSeconds: 600 }, asA);
    expect(hb.body.data?.heartbeatJob?.job?.id, JSON.stringify(hb.body)).toBe(jobId);
    const done = await send(worker.get('CompleteJob')!, { jobId, workerId, result: { ok: true } }, asA);
    expect(done.body.data).toEqual({ completeJob: { job: { id: jobId, status: 'SUCCEEDED' } } });
  });

  it("fail: refused to another pool, allowed to the lease's owner", async () => {
    const type = uniqueType();
    const jobId = await enqueued(type);
    await leaseOne(type, 'w-b', poolB.key, certs.b);
    expect(
      codeOf(
        await send(worker.get('FailJob')!, { jobId, workerId: 'w-b', error: 'x' }, { key: poolA.key, client: certs.a }),
      ),
    ).toBe('NOT_FOUND');
    const failed = await send(
      worker.get('FailJob')!,
      { jobId, workerId: 'w-b', error: 'smtp down' },
      { key: poolB.key, client: certs.b },
    );
    expect(failed.body.data?.failJob?.job).toMatchObject({ id: jobId, status: 'FAILED', attempts: 1 });
  });

  it('a credential without internal:jobs.worker is refused (403) before any subgraph runs', async () => {
    const before = stack.statements();
    const res = await send(
      worker.get('LeaseJobs')!,
      { workerId: 'w', types: ['x'], max: 1, leaseSeconds: 30 },
      { key: scheduler.key, client: certs.scheduler },
    );
    expect(res.status).toBe(403);
    expect(codeOf(res)).toBe('FORBIDDEN');
    expect(stack.statements()).toBe(before);
  });

  it('unknown and revoked keys → 401', async () => {
    for (const key of [retired.key, `${poolA.key}x`]) {
      const res = await send(
        worker.get('LeaseJobs')!,
        { workerId: 'w', types: ['x'], max: 1, leaseSeconds: 30 },
        { key, client: certs.a },
      );
      expect(res.status).toBe(401);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    }
  });

  it('no client certificate, or one from another CA: refused (403) before any subgraph runs', async () => {
    const before = stack.statements();
    for (const client of [undefined, certs.stranger]) {
      const res = await send(
        worker.get('LeaseJobs')!,
        { workerId: 'w', types: ['x'], max: 1, leaseSeconds: 30 },
        { key: poolA.key, ...(client ? { client } : {}) },
      );
      expect(res.status).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN');
    }
    expect(stack.statements()).toBe(before);
  });
});
