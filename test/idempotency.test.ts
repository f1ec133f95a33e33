// Idempotency-Key end to end: the web app's EnqueueJob through the router to the real jobs
// subgraph, counted as jobs in the database. On the router's in-memory store, and again on Redis
// when TEST_REDIS_URL is set (scripts/with-redis.sh; .ci/run).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { clientOperations, startStack, type GqlResult, type Stack } from './support/stack.ts';

const web = clientOperations('eventzr-web');
const ENQUEUE = web.get('EnqueueJob')!;
const COUNT = 'query { jobs(first: 1) { totalCount } }';
const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

const suites: [string, Record<string, string> | undefined][] = [
  ['memory', {}],
  ['redis', redisUrl ? { REDIS_URL: redisUrl, STORE_KEY_PREFIX: `e2e:${randomUUID()}:` } : undefined],
];

for (const [kind, routerEnv] of suites) {
  describe.skipIf(!routerEnv)(`Idempotency-Key on EnqueueJob (${kind} store)`, () => {
    let stack: Stack;
    let dev: string;
    let acme: string;

    beforeAll(async () => {
      stack = await startStack({ routerEnv });
      dev = (await stack.login('dev@eventzr.com')).accessToken;
      acme = (await stack.login('user@acme.example')).accessToken;
    });
    afterAll(() => stack?.stop());

    const count = async (token: string) => {
      const res = await stack.gql<{ jobs: { totalCount: number } }>(COUNT, {}, { token });
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.jobs.totalCount;
    };
    const enqueue = (key: string, input: Record<string, unknown>, token = dev): Promise<GqlResult> =>
      stack.gql(ENQUEUE, { input }, { token, headers: { 'idempotency-key': key } });

    it('runs EnqueueJob once and replays its response byte for byte, calling no subgraph', async () => {
      const before = await count(dev);
      const key = randomUUID();
      const input = { type: 'idem.replay', payload: { n: 1 } };
      const first = await enqueue(key, input);
      expect(first.status).toBe(200);
      const id = first.body.data?.enqueueJob.job.id;
      expect(id).toBeTruthy();
      const statements = stack.statements();
      const again = await enqueue(key, input);
      expect(JSON.stringify(again.body)).toBe(JSON.stringify(first.body));
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(stack.statements()).toBe(statements);
      expect(await count(dev)).toBe(before + 1);
    });

    it('answers 422 CONFLICT to the same key with other input, and creates nothing', async () => {
      const key = randomUUID();
      expect((await enqueue(key, { type: 'idem.conflict' })).status).toBe(200);
      const before = await count(dev);
      const other = await enqueue(key, { type: 'idem.conflict', priority: 5 });
      expect(other.status).toBe(422);
      expect(other.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(await count(dev)).toBe(before);
    });

    it('creates one job for 20 concurrent requests with one key', async () => {
      const before = await count(dev);
      const key = randomUUID();
      const answers = await Promise.all(Array.from({ length: 20 }, () => enqueue(key, { type: 'idem.race' })));
      expect(await count(dev)).toBe(before + 1);
      const ids = new Set<string>();
      for (const a of answers) {
        expect([200, 409], JSON.stringify(a.body)).toContain(a.status);
        if (a.status === 200) ids.add(a.body.data?.enqueueJob.job.id);
        else expect(a.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      }
      expect(ids.size).toBe(1);
    });

    it("runs one key once per tenant: one tenant never gets another's job", async () => {
      const key = randomUUID();
      const [devBefore, acmeBefore] = [await count(dev), await count(acme)];
      const a = await enqueue(key, { type: 'idem.tenant' }, dev);
      const b = await enqueue(key, { type: 'idem.tenant' }, acme);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(b.headers.get('idempotent-replayed')).toBeNull();
      expect(b.body.data?.enqueueJob.job.id).not.toBe(a.body.data?.enqueueJob.job.id);
      expect([await count(dev), await count(acme)]).toEqual([devBefore + 1, acmeBefore + 1]);
    });

    it('saves no invalid request: the valid one with the same key then runs', async () => {
      const key = randomUUID();
      const before = await count(dev);
      const invalid = await stack.gql(
        ENQUEUE,
        { input: { type: 7 } },
        { token: dev, headers: { 'idempotency-key': key } },
      );
      expect(invalid.status).toBe(400);
      const ok = await enqueue(key, { type: 'idem.after-invalid' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('idempotent-replayed')).toBeNull();
      expect(await count(dev)).toBe(before + 1);
    });

    it('lets a query with a key just run', async () => {
      const key = randomUUID();
      expect((await enqueue(key, { type: 'idem.query' })).status).toBe(200);
      const statements = stack.statements();
      const q = await stack.gql(COUNT, {}, { token: dev, headers: { 'idempotency-key': key } });
      expect(q.status).toBe(200);
      expect(q.headers.get('idempotent-replayed')).toBeNull();
      expect(stack.statements()).toBeGreaterThan(statements);
    });
  });
}
