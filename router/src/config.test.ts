// The router's configuration: defaults, every bad variable named at once, production refusals.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@eventzr/lib/config';
import { testClaimsKeys } from '@eventzr/lib/testing';
import { operationLimitsOf, routerEnvSchema } from './config.ts';
import { DEFAULT_OPERATION_LIMITS } from './limits/operation-limits.ts';

const secret = 's'.repeat(40);

describe('config', () => {
  it('applies defaults', () => {
    const c = parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret });
    expect(c.PORT).toBe(4000);
    expect(c.BODY_LIMIT).toBe(1024 * 1024);
    expect(c.DEVELOPMENT_AUTH_ENABLED).toBe(false);
  });

  it('operation limits: the documented defaults, each settable, a non-positive or non-integer one refused', () => {
    const c = parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret });
    expect(operationLimitsOf(c)).toEqual(DEFAULT_OPERATION_LIMITS);
    expect(DEFAULT_OPERATION_LIMITS).toEqual({
      maxTokens: 5000,
      maxDepth: 12,
      maxIntrospectionDepth: 20,
      maxAliases: 30,
      maxRootFields: 20,
      maxDirectives: 50,
      maxFieldRepeats: 5,
      maxValueDepth: 8,
    });
    const set = parseConfig(routerEnvSchema, {
      ROUTER_CLAIMS_SECRET: secret,
      OPERATION_MAX_DEPTH: '7',
      OPERATION_MAX_ROOT_FIELDS: '3',
      OPERATION_MAX_VALUE_DEPTH: '4',
    });
    expect(operationLimitsOf(set)).toMatchObject({ maxDepth: 7, maxRootFields: 3, maxValueDepth: 4, maxTokens: 5000 });
    expect(() =>
      parseConfig(routerEnvSchema, {
        ROUTER_CLAIMS_SECRET: secret,
        OPERATION_MAX_TOKENS: '0',
        OPERATION_MAX_ALIASES: 'many',
        OPERATION_MAX_FIELD_REPEATS: '1.5',
      }),
    ).toThrow(/OPERATION_MAX_TOKENS[\s\S]*OPERATION_MAX_ALIASES[\s\S]*OPERATION_MAX_FIELD_REPEATS/);
  });

  it('names every bad variable at once, without echoing secrets', () => {
    try {
      parseConfig(routerEnvSchema, {
        PORT: 'eighty',
        BODY_LIMIT: 'huge',
        INTERNAL_API_KEY: 'short',
        NODE_ENV: 'staging',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const v of ['PORT', 'BODY_LIMIT', 'INTERNAL_API_KEY', 'NODE_ENV', 'ROUTER_CLAIMS_PRIVATE_KEY'])
        expect(msg).toContain(v);
      expect(msg).not.toContain('short');
      expect(msg).toContain('"eighty"');
    }
  });

  it('refuses DEVELOPMENT_AUTH_ENABLED and DEV_JWT_SECRET in production', () => {
    expect(() =>
      parseConfig(routerEnvSchema, {
        NODE_ENV: 'production',
        DEVELOPMENT_AUTH_ENABLED: 'true',
        ROUTER_CLAIMS_SECRET: secret,
      }),
    ).toThrowError(/DEVELOPMENT_AUTH_ENABLED/);
    expect(() =>
      parseConfig(routerEnvSchema, { NODE_ENV: 'production', DEV_JWT_SECRET: secret, ROUTER_CLAIMS_SECRET: secret }),
    ).toThrowError(/DEV_JWT_SECRET/);
  });

  it('keeps Idempotency-Key records 24 h and wants their lease longer than a subgraph may take', () => {
    const c = parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret });
    expect(c.IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
    expect(c.IDEMPOTENCY_LEASE_MS).toBeGreaterThan(c.SUBGRAPH_TIMEOUT_MS);
    expect(c.REDIS_URL).toBeUndefined();
    const ok = { ROUTER_CLAIMS_SECRET: secret, SUBGRAPH_TIMEOUT_MS: '5000', IDEMPOTENCY_LEASE_MS: '5001' };
    expect(parseConfig(routerEnvSchema, ok).IDEMPOTENCY_LEASE_MS).toBe(5001);
    expect(() => parseConfig(routerEnvSchema, { ...ok, IDEMPOTENCY_LEASE_MS: '5000' })).toThrowError(
      /IDEMPOTENCY_LEASE_MS/,
    );
    expect(() => parseConfig(routerEnvSchema, { ...ok, REDIS_URL: 'http://cache:6379' })).toThrowError(/REDIS_URL/);
  });

  it('refuses the shared HS256 claims secret in production, and takes the Ed25519 key there', async () => {
    let error: unknown;
    try {
      parseConfig(routerEnvSchema, { NODE_ENV: 'production', ROUTER_CLAIMS_SECRET: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(/^ROUTER_CLAIMS_SECRET: refused when NODE_ENV=production .*npm run keys/),
    ]);
    // Also next to a key pair: a secret left in the environment would still be trusted by subgraphs.
    const { ROUTER_CLAIMS_PRIVATE_KEY } = await testClaimsKeys();
    expect(() =>
      parseConfig(routerEnvSchema, { NODE_ENV: 'production', ROUTER_CLAIMS_PRIVATE_KEY, ROUTER_CLAIMS_SECRET: secret }),
    ).toThrow(/ROUTER_CLAIMS_SECRET: refused when NODE_ENV=production/);
    const prod = parseConfig(routerEnvSchema, { NODE_ENV: 'production', ROUTER_CLAIMS_PRIVATE_KEY });
    expect(prod.ROUTER_CLAIMS_PRIVATE_KEY).toBe(ROUTER_CLAIMS_PRIVATE_KEY);
    expect(prod.ROUTER_CLAIMS_SECRET).toBeUndefined();
    // Outside production the secret stays allowed (tests, hand-run development).
    for (const NODE_ENV of ['development', 'test'])
      expect(parseConfig(routerEnvSchema, { NODE_ENV, ROUTER_CLAIMS_SECRET: secret }).ROUTER_CLAIMS_SECRET).toBe(
        secret,
      );
  });

  it('trusts no proxy unless TRUSTED_PROXIES names them (a hop count, addresses, CIDR ranges, named ranges)', () => {
    const base = { ROUTER_CLAIMS_SECRET: secret };
    expect(parseConfig(routerEnvSchema, base).TRUSTED_PROXIES).toBeUndefined();
    expect(parseConfig(routerEnvSchema, { ...base, TRUSTED_PROXIES: '2' }).TRUSTED_PROXIES).toBe(2);
    expect(
      parseConfig(routerEnvSchema, { ...base, TRUSTED_PROXIES: 'loopback, 10.0.0.0/8, fd00::/8, 192.0.2.7' })
        .TRUSTED_PROXIES,
    ).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
    for (const bad of ['everyone', '10.0.0.0/33', '10.0.0/8', 'true'])
      expect(() => parseConfig(routerEnvSchema, { ...base, TRUSTED_PROXIES: bad })).toThrowError(/TRUSTED_PROXIES/);
  });

  it('requires Auth0 settings together', () => {
    expect(() =>
      parseConfig(routerEnvSchema, { AUTH0_DOMAIN: 'x.auth0.com', ROUTER_CLAIMS_SECRET: secret }),
    ).toThrowError(/AUTH0/);
  });

  it('collects SUBGRAPH_<NAME>_URL for every subgraph, refusing a URL that is not http(s)', () => {
    const c = parseConfig(routerEnvSchema, {
      ROUTER_CLAIMS_SECRET: secret,
      SUBGRAPH_JOBS_URL: 'http://jobs:4002/graphql',
      SUBGRAPH_AI_BRAIN_URL: 'https://brain.internal/graphql',
      // Not a subgraph URL: a name cannot hold an empty segment.
      SUBGRAPH_JOBS__DATABASE_URL: 'postgres://x@y/z',
    });
    expect(c.SUBGRAPH_URLS).toEqual({ jobs: 'http://jobs:4002/graphql', ai_brain: 'https://brain.internal/graphql' });
    expect(() =>
      parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret, SUBGRAPH_AUTH_URL: 'ftp://auth' }),
    ).toThrowError(/SUBGRAPH_AUTH_URL: expected an http\(s\) URL/);
  });
});

describe('gateway telemetry', () => {
  it('is switched off unless APOLLO_TELEMETRY=true (the gateway reads process.env itself)', async () => {
    const { applyGatewayTelemetrySwitch } = await import('@eventzr/lib/config');
    /* eslint-disable no-restricted-properties -- this test checks the one write to process.env */
    process.env.APOLLO_TELEMETRY_DISABLED = 'false';
    applyGatewayTelemetrySwitch(parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret }));
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
    applyGatewayTelemetrySwitch(
      parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: secret, APOLLO_TELEMETRY: 'true' }),
    );
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('false');
    process.env.APOLLO_TELEMETRY_DISABLED = 'true';
    /* eslint-enable no-restricted-properties */
  });
});
