// The limits the auth subgraph declares (schema.graphql: @rateLimit per client address and per
// account, @lockout on login), through the whole stack over HTTP with the real auth subgraph and
// its argon2 passwords. The router believes X-Forwarded-For from loopback here, so each scenario
// comes from client addresses of its own.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig, testEnvSchema } from '../lib/src/config.ts';
import { DEV_PASSWORD } from '../lib/src/dev-seed.ts';
import { argumentKey } from '../router/src/limits/field-limits.ts';
import { startStack, type GqlResult, type Stack } from './support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ routerEnv: { TRUSTED_PROXIES: 'loopback' } });
});
afterAll(() => stack?.stop());

const LOGIN =
  'mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }';
const login = (email: string, password: string, ip: string) =>
  stack.gql<{ login: { accessToken: string } }>(LOGIN, { email, password }, { headers: { 'x-forwarded-for': ip } });
const code = (r: GqlResult) => r.body.errors?.[0]?.extensions?.code as string | undefined;

function expectRateLimited(r: GqlResult) {
  expect(r.status, JSON.stringify(r.body)).toBe(429);
  expect(code(r)).toBe('RATE_LIMITED');
  expect(r.body.data ?? null).toBeNull();
  const retryAfter = r.body.errors![0]!.extensions!.retryAfter as number;
  expect(retryAfter).toBeGreaterThan(0);
  expect(r.headers.get('retry-after')).toBe(String(retryAfter));
  return r.body.errors![0]!.extensions!;
}

describe('failed-login throttling (login: 5 failures per account and address, then a growing lockout)', () => {
  it('40 wrong passwords from one address: 5 are answered, the rest refused; the right one is refused there and logs in elsewhere', async () => {
    const victim = 'viewer@eventzr.com';
    const attacker = '198.51.100.1';
    const answers: GqlResult[] = [];
    for (let i = 0; i < 40; i++) answers.push(await login(victim, `Wrong-guess-${i}`, attacker));
    expect(answers.filter((a) => code(a) === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(answers.slice(0, 5).every((a) => code(a) === 'UNAUTHENTICATED')).toBe(true);
    for (const a of answers.slice(5)) expectRateLimited(a);
    expect(answers[5]!.body.errors![0]!.extensions).toMatchObject({ policy: 'lockout:mutation.login:failures' });
    expect(answers[5]!.body.errors![0]!.extensions!.retryAfter).toBeLessThanOrEqual(60);

    const sameAddress = await login(victim, DEV_PASSWORD, attacker);
    expect(expectRateLimited(sameAddress).retryAfter).toBeLessThanOrEqual(60);
    const elsewhere = await login(victim, DEV_PASSWORD, '203.0.113.7');
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.data?.login.accessToken).toMatch(/^ey/);
  });

  it('attackers on several addresses cannot spend the account limit (20 a minute) before the victim logs in', async () => {
    const victim = 'dev@eventzr.com';
    for (const attacker of ['198.51.100.11', '198.51.100.12', '198.51.100.13'])
      for (let i = 0; i < 12; i++) await login(victim, `Wrong-${i}`, attacker);
    // 5 counted per address (the lockout refuses the rest before any limit counts them): 15 < 20.
    const res = await login(victim, DEV_PASSWORD, '203.0.113.8');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data?.login.accessToken).toMatch(/^ey/);
  });

  it('a success resets the run of failures of its account and address', async () => {
    const user = 'admin@eventzr.com';
    const ip = '198.51.100.21';
    for (let i = 0; i < 4; i++) expect(code(await login(user, `Wrong-${i}`, ip))).toBe('UNAUTHENTICATED');
    expect((await login(user, DEV_PASSWORD, ip)).status).toBe(200);
    // Without the reset the 5th failure in a row would lock: these four are all answered.
    for (let i = 0; i < 4; i++) expect(code(await login(user, `Wrong-again-${i}`, ip))).toBe('UNAUTHENTICATED');
    expect((await login(user, DEV_PASSWORD, ip)).status).toBe(200);
  });
});

describe('declared limits of the public auth mutations', () => {
  it('login: 10 a minute per client address, whatever the accounts', async () => {
    const ip = '198.51.100.31';
    for (let i = 0; i < 10; i++)
      expect(code(await login(`nobody-${i}@example.com`, 'Wrong-1', ip))).toBe('UNAUTHENTICATED');
    const refused = await login('someone-else@example.com', 'Wrong-1', ip);
    expect(expectRateLimited(refused)).toMatchObject({ limit: 10, window: 60, policy: 'field:mutation.login:ip' });
  });

  it('register: 5 an hour per client address, 3 an hour per email; a refused registration creates nothing', async () => {
    const REGISTER = 'mutation ($i: RegisterInput!) { register(input: $i) { user { email } } }';
    const register = (email: string, ip: string) =>
      stack.gql(
        REGISTER,
        { i: { email, password: 'Abcdefg1', name: 'Limit Test' } },
        { headers: { 'x-forwarded-for': ip } },
      );
    const ip = '198.51.100.41';
    for (let i = 0; i < 5; i++) expect((await register(`limited-${i}@example.com`, ip)).status).toBe(200);
    const before = stack.statements();
    expect(expectRateLimited(await register('limited-5@example.com', ip))).toMatchObject({ limit: 5, window: 3600 });
    expect(stack.statements(), 'a refused registration reached the auth subgraph').toBe(before);
    // Per email, from addresses of their own (case and spaces do not make another email).
    const email = 'Same.Person@example.com';
    const variants = [email, ` ${email.toLowerCase()} `, email.toUpperCase()];
    for (const [i, v] of variants.entries()) expect((await register(v, `198.51.100.${50 + i}`)).status).toBe(200);
    expect(expectRateLimited(await register(email, '198.51.100.59'))).toMatchObject({ limit: 3, window: 3600 });
  });

  it('requestPasswordReset: 5 an hour per account from any address', async () => {
    const RESET = 'mutation ($e: String!) { requestPasswordReset(input: { email: $e }) { accepted } }';
    const reset = (ip: string) => stack.gql(RESET, { e: 'viewer@eventzr.com' }, { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 5; i++) expect((await reset(`198.51.100.${60 + i}`)).status).toBe(200);
    expect(expectRateLimited(await reset('198.51.100.69'))).toMatchObject({ limit: 5, window: 3600 });
  });

  it('refreshToken: 10 a minute per token, from any address', async () => {
    const REFRESH = 'mutation ($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken } }';
    const refresh = (ip: string) =>
      stack.gql(REFRESH, { t: 'not-a-real-refresh-token' }, { headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 10; i++) expect(code(await refresh(`198.51.100.${70 + i}`))).toBe('UNAUTHENTICATED');
    expect(expectRateLimited(await refresh('198.51.100.89'))).toMatchObject({ limit: 10, window: 60 });
  });
});

const redisUrl = readConfig(testEnvSchema).TEST_REDIS_URL;

describe.skipIf(!redisUrl)('the lockout grows (on Redis: a lock is ended early by expiring its key)', () => {
  const prefix = `declared-e2e:${randomUUID()}:`;
  let redis: Redis;
  let onRedis: Stack;
  beforeAll(async () => {
    redis = new Redis(redisUrl!);
    onRedis = await startStack({
      routerEnv: { TRUSTED_PROXIES: 'loopback', REDIS_URL: redisUrl!, STORE_KEY_PREFIX: prefix },
    });
  });
  afterAll(async () => {
    await onRedis?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('1 minute after the 5th failure, 2 after the 6th, 4 after the 7th; the store holds no email', async () => {
    const email = 'viewer@eventzr.com';
    const ip = '198.51.100.99';
    const attempt = (password: string) =>
      onRedis.gql(LOGIN, { email, password }, { headers: { 'x-forwarded-for': ip } });
    const lockKey = `${prefix}rl:lockout:mutation.login:lock:${argumentKey(email)}:${ip}`;
    for (let i = 0; i < 5; i++) expect(code(await attempt(`Wrong-${i}`))).toBe('UNAUTHENTICATED');
    const seen: number[] = [];
    for (let round = 0; round < 3; round++) {
      const refused = await attempt(DEV_PASSWORD);
      seen.push(expectRateLimited(refused).retryAfter as number);
      // The lock ends now (as if its time had passed); the run of failures is still remembered.
      expect(await redis.pexpire(lockKey, 1)).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
      expect(code(await attempt(`Wrong-again-${round}`))).toBe('UNAUTHENTICATED');
    }
    // Each as long as the lock set (less the moments between the failure and the refusal).
    for (const [i, lock] of [60, 120, 240].entries()) {
      expect(seen[i]).toBeGreaterThan(lock - 5);
      expect(seen[i]).toBeLessThanOrEqual(lock);
    }
    expect(onRedis.router.limitStats.mode).toBe('shared');
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.join('\n')).not.toContain('viewer');
  });
});
