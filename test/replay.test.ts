// A claims token captured between the router and a subgraph cannot be used again: the issue's
// replayed `enqueueJob` (captured by a recording proxy the router sends through, then replayed
// verbatim straight to the jobs subgraph) is 401 and creates no second job; every subgraph fetch
// carries its own jti; and two processes of one subgraph sharing Redis refuse a token either of
// them accepted (skipped without TEST_REDIS_URL).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIMS_HEADER } from '../lib/src/claims.ts';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { readRegistry } from '../lib/src/registry.ts';
import { loadSubgraphModule } from '../lib/src/subgraph.ts';
import { postJson, startTestSubgraph, userCaller, type TestSubgraph } from '../lib/src/testing.ts';
import { clientOperations, startStack, type Stack } from './support/stack.ts';

interface Recorded {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP proxy that records every request (headers and exact body) before forwarding it to the
 * same path at another origin (the router also reads the auth subgraph's JWKS through it).
 */
async function recordingProxy() {
  const recorded: Recorded[] = [];
  let target: string | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      recorded.push({ headers: req.headers, body });
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] =>
            typeof e[1] === 'string' && !['host', 'connection', 'content-length', 'keep-alive'].includes(e[0]),
        ),
      );
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body: hasBody ? body : undefined })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502).end();
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    recorded,
    forwardTo(url: string) {
      target = new URL(url).origin;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const web = clientOperations('eventzr-web');
const JOB_COUNT = 'query Count($f: JobFilter) { jobs(first: 100, filter: $f) { totalCount } }';

describe('claims tokens captured between the router and the subgraphs', () => {
  let stack: Stack;
  let jobsProxy: Awaited<ReturnType<typeof recordingProxy>>;
  let authProxy: Awaited<ReturnType<typeof recordingProxy>>;
  let token: string;
  beforeAll(async () => {
    [jobsProxy, authProxy] = await Promise.all([recordingProxy(), recordingProxy()]);
    stack = await startStack({ routerEnv: { SUBGRAPH_JOBS_URL: jobsProxy.url, SUBGRAPH_AUTH_URL: authProxy.url } });
    jobsProxy.forwardTo(stack.subgraph('jobs').url);
    authProxy.forwardTo(stack.subgraph('auth').url);
    token = (await stack.login('dev@eventzr.com')).accessToken;
  });
  afterAll(async () => {
    await stack?.stop();
    await jobsProxy?.close();
    await authProxy?.close();
  });

  it('replaying the enqueueJob request the router sent, verbatim, straight to jobs: 401, no second job', async () => {
    const type = `replay.probe.${randomUUID().slice(0, 8)}`;
    const sent = await stack.gql(web.get('EnqueueJob')!, { input: { type, payload: { n: 1 } } }, { token });
    expect(sent.body.errors).toBeUndefined();
    expect(sent.body.data?.enqueueJob.job.type).toBe(type);

    const captured = jobsProxy.recorded.filter((r) => r.body.includes('enqueueJob') && r.body.includes(type));
    expect(captured).toHaveLength(1);
    const { headers, body } = captured[0]!;
    expect(typeof headers[CLAIMS_HEADER]).toBe('string');
    const replayed = await postJson<{ errors?: { extensions?: { code?: string } }[] }>(
      stack.subgraph('jobs').url,
      body,
      { [CLAIMS_HEADER]: headers[CLAIMS_HEADER] as string },
    );
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const count = await stack.gql(JOB_COUNT, { f: { type } }, { token });
    expect(count.body.data?.jobs.totalCount).toBe(1);
  });

  it('every subgraph fetch carries its own jti: two fetches to one subgraph, and identical fetches', async () => {
    const before = { jobs: jobsProxy.recorded.length, auth: authProxy.recorded.length };
    // One request, two auth fetches: `me`, then the job creators' _entities.
    const both = await stack.gql(
      'query { me { id } jobs(first: 5) { edges { node { id createdBy { id email } } } } }',
      {},
      {
        token,
      },
    );
    expect(both.body.errors).toBeUndefined();
    const authFetches = authProxy.recorded.slice(before.auth).filter((r) => r.body.includes('query'));
    expect(authFetches.length).toBeGreaterThanOrEqual(2);
    // Two identical requests: the jobs subgraph gets the same body twice, each with its own token.
    const type = `replay.same.${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 2; i++)
      expect(
        (await stack.gql(web.get('EnqueueJob')!, { input: { type, payload: {} } }, { token })).body.errors,
      ).toBeUndefined();
    const identical = jobsProxy.recorded.filter((r) => r.body.includes(type));
    expect(identical).toHaveLength(2);
    expect(identical[0]!.body).toBe(identical[1]!.body);

    // (The router also reads the JWKS through the auth proxy: a GET without a claims token.)
    const fetches = [
      ...jobsProxy.recorded.slice(before.jobs).map((r) => ['jobs', r] as const),
      ...authProxy.recorded.slice(before.auth).map((r) => ['auth', r] as const),
    ].filter(([, r]) => r.headers[CLAIMS_HEADER] !== undefined);
    const jtis = fetches.map(([audience, r]) => {
      const claims = decodeJwt(r.headers[CLAIMS_HEADER] as string);
      expect(claims.aud).toBe(audience);
      return claims.jti;
    });
    expect(jtis.length).toBeGreaterThanOrEqual(5);
    expect(new Set(jtis).size).toBe(jtis.length);
  });
});

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

describe.skipIf(!redisUrl)('two processes of the jobs subgraph sharing Redis', () => {
  const query = '{ jobMetrics { queued } }';
  const caller = userCaller({ tenantId: randomUUID(), permissions: ['jobs:read'] });
  let a: TestSubgraph;
  let b: TestSubgraph;
  beforeAll(async () => {
    const module = await loadSubgraphModule(readRegistry().subgraphs.find((s) => s.name === 'jobs')!);
    // One deployment's replicas: the same Redis and the same key prefix.
    const env = { REDIS_URL: redisUrl, STORE_KEY_PREFIX: `test:${randomUUID()}:` };
    [a, b] = await Promise.all([startTestSubgraph(module, { env }), startTestSubgraph(module, { env })]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('a token accepted by one process is refused by the other', async () => {
    expect([a.store.kind, b.store.kind]).toEqual(['redis', 'redis']);
    const token = await a.sign(caller, query);
    const first = await a.post({ query }, { [CLAIMS_HEADER]: token });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({ jobMetrics: { queued: 0 } });
    const second = await b.post({ query }, { [CLAIMS_HEADER]: token });
    expect(second.status).toBe(401);
    expect(second.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // Either way round.
    const other = await b.sign(caller, query);
    expect((await b.post({ query }, { [CLAIMS_HEADER]: other })).status).toBe(200);
    expect((await a.post({ query }, { [CLAIMS_HEADER]: other })).status).toBe(401);
  });

  it('one token sent to both processes 10 times at once is served exactly once', async () => {
    const token = await a.sign(caller, query);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).post({ query }, { [CLAIMS_HEADER]: token })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, ...Array<number>(9).fill(401)]);
  });
});
