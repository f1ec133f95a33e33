// lib's configuration pieces: a subgraph's schema (lib's base plus its own variables), settings
// named after subgraphs, and the error that names every bad variable.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, parseConfig, subgraphEnvSchema, subgraphSettings, httpUrl } from './config.ts';
import { testClaimsKeys } from './testing/subgraph.ts';

const secret = 's'.repeat(40);

describe('subgraph configuration', () => {
  const schema = subgraphEnvSchema({ WIDGET_LIMIT: z.coerce.number().int().positive().default(5) });

  it("is lib's base plus the subgraph's own variables, with defaults", () => {
    const c = parseConfig(schema, { ROUTER_CLAIMS_SECRET: secret });
    expect(c).toMatchObject({ WIDGET_LIMIT: 5, BODY_LIMIT: 1024 * 1024, SEED_DEV_DATA: true, BACKGROUND_TASKS: true });
    // Another subgraph's variables are not this one's.
    expect(c).not.toHaveProperty('JWT_ISSUER');
  });

  it('names every bad variable, its own and the base ones, and requires a database in production', () => {
    let error: unknown;
    try {
      parseConfig(schema, { NODE_ENV: 'production', WIDGET_LIMIT: '-1', PORT: 'eighty' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const v of ['WIDGET_LIMIT', 'PORT', 'DATABASE_URL', 'ROUTER_CLAIMS_PUBLIC_KEY']) expect(problems).toContain(v);
  });

  it('refuses the shared HS256 claims secret in production, and takes the Ed25519 public key there', async () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db/x' };
    let error: unknown;
    try {
      parseConfig(schema, { ...production, ROUTER_CLAIMS_SECRET: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^ROUTER_CLAIMS_SECRET: refused when NODE_ENV=production .*npm run keys/),
    ]);
    const { ROUTER_CLAIMS_PUBLIC_KEY } = await testClaimsKeys();
    expect(() =>
      parseConfig(schema, { ...production, ROUTER_CLAIMS_PUBLIC_KEY, ROUTER_CLAIMS_SECRET: secret }),
    ).toThrow(/ROUTER_CLAIMS_SECRET: refused when NODE_ENV=production/);
    expect(parseConfig(schema, { ...production, ROUTER_CLAIMS_PUBLIC_KEY }).ROUTER_CLAIMS_PUBLIC_KEY).toBe(
      ROUTER_CLAIMS_PUBLIC_KEY,
    );
    for (const NODE_ENV of ['development', 'test'])
      expect(parseConfig(schema, { NODE_ENV, ROUTER_CLAIMS_SECRET: secret }).ROUTER_CLAIMS_SECRET).toBe(secret);
  });

  it('reads the shared store: REDIS_URL (redis:// or rediss:// only) and its key prefix', () => {
    const plain = parseConfig(schema, { ROUTER_CLAIMS_SECRET: secret });
    expect(plain.REDIS_URL).toBeUndefined();
    expect(plain.STORE_KEY_PREFIX).toBe('eventzr:');
    expect(parseConfig(schema, { ROUTER_CLAIMS_SECRET: secret, REDIS_URL: 'redis://127.0.0.1:6379/2' }).REDIS_URL).toBe(
      'redis://127.0.0.1:6379/2',
    );
    expect(() => parseConfig(schema, { ROUTER_CLAIMS_SECRET: secret, REDIS_URL: 'http://cache' })).toThrow(
      /REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/,
    );
  });

  it("refuses a subgraph variable that redefines one of lib's", () => {
    expect(() => subgraphEnvSchema({ PORT: z.string() })).toThrow(/must not redefine lib's: PORT/);
  });

  it('restores newlines in PEM keys passed through env files', () => {
    const c = parseConfig(schema, {
      ROUTER_CLAIMS_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nabc\\n-----END PUBLIC KEY-----',
    });
    expect(c.ROUTER_CLAIMS_PUBLIC_KEY).toBe('-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----');
  });
});

describe('settings named after subgraphs', () => {
  it('maps SUBGRAPH_<NAME>_<SETTING> to the lower-case name and validates each value', () => {
    const schema = z.looseObject({}).transform((env, ctx) => subgraphSettings('URL', httpUrl)(env, ctx));
    expect(parseConfig(schema, { SUBGRAPH_JOBS_URL: 'http://jobs/graphql', OTHER: 'x' })).toEqual({
      jobs: 'http://jobs/graphql',
    });
    expect(() => parseConfig(schema, { SUBGRAPH_JOBS_URL: 'not a url' })).toThrow(/SUBGRAPH_JOBS_URL/);
  });
});
