// The one place that reads process.env. Each process (router, a subgraph, the
// launcher) parses its section once at boot; every invalid variable is listed
// in one error so an operator fixes them all in one go.
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
const optionalUrl = optionalString.pipe(z.string().url().optional());
/** PEM keys travel through env files with literal "\n"; restore real newlines. */
const pem = optionalString.transform((v) => v?.replace(/\\n/g, '\n'));
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Byte sizes as "1mb", "512kb" or a plain number of bytes. */
const byteSize = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(v.trim());
      if (!m) {
        ctx.addIssue({ code: 'custom', message: 'expected a size such as 1mb, 512kb or 100000' });
        return z.NEVER;
      }
      const unit = (m[2] ?? 'b').toLowerCase();
      return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
    });

/** Cross-variable checks run even when a single variable failed, so one run lists every problem. */
const alwaysCheck = { when: () => true };

const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const claimsKeys = {
  /** Ed25519 private key (PKCS#8 PEM) the router signs subgraph claims tokens with. */
  ROUTER_CLAIMS_PRIVATE_KEY: pem,
  /** Its public key (SPKI PEM): what subgraphs verify with. */
  ROUTER_CLAIMS_PUBLIC_KEY: pem,
  /** Alternative to the key pair: a shared HS256 secret (at least 32 characters). */
  ROUTER_CLAIMS_SECRET: optionalString.pipe(z.string().min(32).optional()),
  CLAIMS_TOKEN_TTL_SECONDS: positiveInt(60),
};

export const routerEnvSchema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    HOST: z.string().default('0.0.0.0'),
    PORT: port(4000),
    SUPERGRAPH_PATH: optionalString,
    AUTH_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
    JOBS_SUBGRAPH_URL: z.string().url().default('http://127.0.0.1:4002/graphql'),
    /** Issuer and audience of the auth subgraph's access tokens. */
    JWT_ISSUER: z.string().min(1).default('https://auth.eventzr.local'),
    JWT_AUDIENCE: z.string().min(1).default('eventzr-api'),
    /** JWKS of the auth subgraph; defaults to AUTH_SUBGRAPH_URL's origin + /.well-known/jwks.json */
    AUTH_JWKS_URL: optionalUrl,
    JWKS_COOLDOWN_SECONDS: positiveInt(30),
    JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
    /** Auth0 tenant host (no scheme): its JWKS is https://AUTH0_DOMAIN/.well-known/jwks.json */
    AUTH0_DOMAIN: optionalString.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'expected a host name such as your-tenant.us.auth0.com (no scheme)')
        .optional(),
    ),
    AUTH0_AUDIENCE: optionalString,
    AUTH0_ISSUER: optionalString,
    /** HS256 secret for hand-made tokens: development and test only. */
    DEV_JWT_SECRET: optionalString.pipe(z.string().min(32).optional()),
    /** The `iss` development tokens carry: the router picks a token's verifier by its issuer. */
    DEV_JWT_ISSUER: z.string().min(1).default('eventzr-dev'),
    DEVELOPMENT_AUTH_ENABLED: bool(false),
    INTERNAL_API_KEY: optionalString.pipe(z.string().min(32).optional()),
    TOKEN_CACHE_MAX: positiveInt(10_000),
    BODY_LIMIT: byteSize('1mb'),
    /** Comma-separated browser origins allowed to call the router (e.g. https://app.eventzr.com). */
    CORS_ORIGINS: optionalString.transform((v, ctx) => {
      const origins = (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins) {
        let origin: string | undefined;
        try {
          origin = new URL(o).origin;
        } catch {
          origin = undefined;
        }
        if (origin !== o)
          ctx.addIssue({ code: 'custom', message: `"${o}" is not an origin such as https://app.example.com` });
      }
      return origins;
    }),
    INTROSPECTION: bool(false).optional(),
    SUBGRAPH_TIMEOUT_MS: positiveInt(10_000),
    /**
     * @apollo/gateway's anonymous usage metrics to Apollo. Off unless turned on: collecting them
     * probes cloud metadata endpoints (AWS, GCP, Azure, Alibaba) and sends data off the network.
     */
    APOLLO_TELEMETRY: bool(false),
    ...claimsKeys,
  })
  .superRefine((env, ctx) => {
    const prod = env.NODE_ENV === 'production';
    if (prod && env.DEVELOPMENT_AUTH_ENABLED === true)
      ctx.addIssue({
        code: 'custom',
        path: ['DEVELOPMENT_AUTH_ENABLED'],
        message: 'must not be true when NODE_ENV=production (anonymous callers would act as a user)',
      });
    if (prod && env.DEV_JWT_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_JWT_SECRET'],
        message: 'HS256 development tokens are refused when NODE_ENV=production',
      });
    if (!env.ROUTER_CLAIMS_PRIVATE_KEY && !env.ROUTER_CLAIMS_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_CLAIMS_PRIVATE_KEY'],
        message: 'set ROUTER_CLAIMS_PRIVATE_KEY (Ed25519 PKCS#8 PEM) or ROUTER_CLAIMS_SECRET',
      });
    const auth0 = [env.AUTH0_DOMAIN, env.AUTH0_AUDIENCE, env.AUTH0_ISSUER];
    if (auth0.some(Boolean) && !auth0.every(Boolean))
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH0_DOMAIN'],
        message: 'AUTH0_DOMAIN, AUTH0_AUDIENCE and AUTH0_ISSUER are set together or not at all',
      });
    // The router picks a token's verifier by its `iss`: two trusted issuers must not share one.
    const issuers = [
      ['JWT_ISSUER', env.JWT_ISSUER],
      ['AUTH0_ISSUER', env.AUTH0_ISSUER],
      ['DEV_JWT_ISSUER', env.DEV_JWT_SECRET ? env.DEV_JWT_ISSUER : undefined],
    ].filter((e): e is [string, string] => Boolean(e[1]));
    for (let i = 1; i < issuers.length; i++)
      for (let j = 0; j < i; j++)
        if (issuers[i]![1] === issuers[j]![1])
          ctx.addIssue({
            code: 'custom',
            path: [issuers[i]![0]],
            message: `must differ from ${issuers[j]![0]} (each trusted issuer has its own keys)`,
          });
  }, alwaysCheck);

export const subgraphEnvSchema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    HOST: z.string().default('0.0.0.0'),
    PORT: port(0),
    /** Application connection (a role that owns no table). Unset: embedded PGlite under DATA_DIR. */
    DATABASE_URL: optionalString,
    /** Connection that owns the tables and applies migrations; defaults to DATABASE_URL. */
    DATABASE_MIGRATOR_URL: optionalString,
    DATABASE_POOL_MAX: positiveInt(10),
    DATA_DIR: z.string().default('.data'),
    /** Load the development seed data (never when NODE_ENV=production). */
    SEED_DEV_DATA: bool(true),
    BODY_LIMIT: byteSize('1mb'),
    ...claimsKeys,
    // auth subgraph
    JWT_ISSUER: z.string().min(1).default('https://auth.eventzr.local'),
    JWT_AUDIENCE: z.string().min(1).default('eventzr-api'),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt(3600),
    REFRESH_TOKEN_TTL_SECONDS: positiveInt(30 * 24 * 3600),
    PASSWORD_RESET_TTL_SECONDS: positiveInt(3600),
  })
  .superRefine((env, ctx) => {
    if (!env.ROUTER_CLAIMS_PUBLIC_KEY && !env.ROUTER_CLAIMS_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_CLAIMS_PUBLIC_KEY'],
        message: 'set ROUTER_CLAIMS_PUBLIC_KEY (Ed25519 SPKI PEM) or ROUTER_CLAIMS_SECRET',
      });
    if (env.NODE_ENV === 'production' && !env.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required when NODE_ENV=production (the embedded PGlite is for development)',
      });
  }, alwaysCheck);

export const launcherEnvSchema = z.object({
  NODE_ENV: nodeEnv,
  LOG_LEVEL: logLevel,
  DATA_DIR: z.string().default('.data'),
  PORT: port(4000),
  AUTH_PORT: port(4001),
  JOBS_PORT: port(4002),
});

export type RouterEnv = z.infer<typeof routerEnvSchema>;
export type SubgraphEnv = z.infer<typeof subgraphEnvSchema>;
export type LauncherEnv = z.infer<typeof launcherEnvSchema>;

/** Parses `env` with `schema`; throws ConfigError naming every bad variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    // Never echo values of secrets back into logs.
    const shown =
      value === undefined || /KEY|SECRET|PASSWORD|URL/.test(name)
        ? ''
        : ` (got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)})`;
    return `${name}: ${issue.message}${shown}`;
  });
  throw new ConfigError(problems);
}

const cache = new Map<unknown, unknown>();

/** Reads the process environment once per schema; later calls return the same object. */
export function readConfig<S extends z.ZodType>(schema: S): z.infer<S> {
  if (!cache.has(schema)) {
    cache.set(schema, parseConfig(schema, process.env));
  }
  return cache.get(schema) as z.infer<S>;
}

/** Test runs only: when set, database suites run on this real Postgres instead of PGlite. */
export const testEnvSchema = z.object({
  /** A role that may CREATE DATABASE and owns the test databases (not a superuser). */
  TEST_POSTGRES_URL: optionalString,
  /** The application role's login (owns nothing); its database part is replaced per test. */
  TEST_POSTGRES_APP_URL: optionalString,
});

/**
 * @apollo/gateway reads its telemetry switch from process.env itself when it is constructed; set
 * it from the validated configuration so the gateway phones home only when asked to.
 */
export function applyGatewayTelemetrySwitch(env: Pick<RouterEnv, 'APOLLO_TELEMETRY'>): void {
  process.env.APOLLO_TELEMETRY_DISABLED = env.APOLLO_TELEMETRY ? 'false' : 'true';
}

/** The environment a launcher hands its child processes (they validate it themselves). */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
