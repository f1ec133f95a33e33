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

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));
export const optionalUrl = optionalString.pipe(z.string().url().optional());
/** PEM keys travel through env files with literal "\n"; restore real newlines. */
export const pem = optionalString.transform((v) => v?.replace(/\\n/g, '\n'));
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Byte sizes as "1mb", "512kb" or a plain number of bytes. */
export const byteSize = (fallback: string) =>
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

/** JWT_CLOCK_TOLERANCE_SECONDS: the clock skew access-token verifiers allow (router), which auth's key retirement waits out. */
export const clockToleranceSeconds = z.coerce.number().int().min(0).max(300).default(5);

/** Cross-variable checks run even when a single variable failed, so one run lists every problem. */
export const alwaysCheck = { when: () => true };

export const nodeEnv = z.enum(['development', 'test', 'production']).default('development');
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

// Every variable carries its description (zod `.describe`): `npm run deploy:generate` writes
// .env.example from these shapes, and refuses a variable without one.

/** Every process: what kind of environment it runs in and how much it logs. */
export const commonEnv = {
  NODE_ENV: nodeEnv.describe(
    'production turns off Sandbox, introspection, development auth and seed data, and masks errors',
  ),
  LOG_LEVEL: logLevel.describe('how much the process logs (pino levels, JSON lines on stdout)'),
};

/** How a serving process (router, subgraph) stops on SIGTERM/SIGINT: it drains, then exits. */
export const shutdownEnv = {
  SHUTDOWN_GRACE_MS: positiveInt(25_000).describe(
    'on SIGTERM: how long requests under way may take to finish (readiness is 503 and new connections are refused at once); then the rest are cut and the process exits',
  ),
};

/** The subgraph registry file (default schema/supergraph.yaml): every process that lists subgraphs. */
export const registryEnv = {
  SUBGRAPH_REGISTRY: optionalString.describe(
    'another subgraph registry file than schema/supergraph.yaml, e.g. one that adds a subgraph under development',
  ),
};
export const registryEnvSchema = z.object(registryEnv);

/** What the router signs subgraph claims tokens with. */
export const claimsSigningEnv = {
  ROUTER_CLAIMS_PRIVATE_KEY: pem.describe(
    'Ed25519 private key (PKCS#8 PEM, newlines as \\n) the router signs subgraph claims tokens with',
  ),
  ROUTER_CLAIMS_SECRET: optionalString
    .pipe(z.string().min(32).optional())
    .describe(
      'instead of the key pair, outside production only: one HS256 secret (at least 32 characters) shared by router and subgraphs',
    ),
  CLAIMS_TOKEN_TTL_SECONDS: positiveInt(60).describe("lifetime of the router's claims tokens, in seconds"),
};

/**
 * Why a shared HS256 claims secret is refused when NODE_ENV=production: whoever can verify with it
 * can sign with it, so any subgraph could mint tokens for every other.
 */
export const HS256_CLAIMS_IN_PRODUCTION =
  'refused when NODE_ENV=production (any subgraph holding it could mint claims tokens for every other): use ROUTER_CLAIMS_PRIVATE_KEY / ROUTER_CLAIMS_PUBLIC_KEY from `npm run keys`';

/** What a subgraph verifies the router's claims tokens with. */
export const claimsVerifyingEnv = {
  ROUTER_CLAIMS_PUBLIC_KEY: pem.describe(
    "the router's claims public key (Ed25519 SPKI PEM, newlines as \\n) subgraphs verify claims tokens with",
  ),
  ROUTER_CLAIMS_SECRET: claimsSigningEnv.ROUTER_CLAIMS_SECRET,
  CLAIMS_TOKEN_TTL_SECONDS: claimsSigningEnv.CLAIMS_TOKEN_TTL_SECONDS,
};

/**
 * The shared store (lib/src/store.ts openSharedStore), in every process that shares records with its
 * replicas. Declared here, not in store.ts, so the base schemas below can include it (store.ts
 * re-exports it).
 */
export const storeEnv = {
  REDIS_URL: optionalString
    .pipe(z.url({ protocol: /^rediss?$/, message: 'expected a redis:// or rediss:// URL' }).optional())
    .describe(
      'Redis shared by every replica (claims-token replay memory, Idempotency-Key records, rate limits); unset: memory of this process only',
    ),
  STORE_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{0,64}$/)
    .default('eventzr:')
    .describe('prefix of every key this deployment writes to Redis (several deployments may share one server)'),
};

/** What every subgraph process reads; each subgraph adds its own variables (its module's `env`). */
export const subgraphBaseEnv = {
  ...commonEnv,
  HOST: z.string().default('0.0.0.0').describe('interface the subgraph listens on'),
  PORT: port(0).describe("listen port; 0 or unset: the port of the subgraph's routing URL in the registry"),
  DATABASE_URL: optionalString.describe(
    'application connection (a role that owns no table); unset: embedded PGlite under DATA_DIR/<subgraph>',
  ),
  DATABASE_MIGRATOR_URL: optionalString.describe(
    'connection that owns the tables and applies migrations at start; default DATABASE_URL',
  ),
  DATABASE_POOL_MAX: positiveInt(10).describe('most connections the pool opens to DATABASE_URL'),
  DATABASE_CONNECT_TIMEOUT_MS: positiveInt(5000).describe(
    'how long a request waits for a database connection (e.g. during a failover) before it fails with the retryable SERVICE_UNAVAILABLE',
  ),
  DATA_DIR: z.string().default('.data').describe('where the embedded PGlite databases live when DATABASE_URL is unset'),
  SEED_DEV_DATA: bool(true).describe('load the development seed data (never when NODE_ENV=production)'),
  BACKGROUND_TASKS: bool(true).describe(
    "run the subgraph's background tasks (e.g. the jobs lease sweeper) in this process",
  ),
  BODY_LIMIT: byteSize('1mb').describe('largest request body in bytes (or e.g. 512kb, 1mb); larger ones get 413'),
  ...shutdownEnv,
  ...claimsVerifyingEnv,
  ...storeEnv,
};
export type SubgraphBaseEnv = z.infer<z.ZodObject<typeof subgraphBaseEnv>>;

/**
 * A subgraph process's schema: lib's base variables plus the subgraph's own (`own`), checked
 * together so one run names every problem.
 */
export function subgraphEnvSchema<Own extends z.ZodRawShape>(own: Own) {
  const clash = Object.keys(own).filter((k) => k in subgraphBaseEnv);
  if (clash.length > 0) throw new Error(`a subgraph's own variables must not redefine lib's: ${clash.join(', ')}`);
  return z.object({ ...subgraphBaseEnv, ...own }).superRefine((env, ctx) => {
    const base = env as SubgraphBaseEnv;
    if (!base.ROUTER_CLAIMS_PUBLIC_KEY && !base.ROUTER_CLAIMS_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_CLAIMS_PUBLIC_KEY'],
        message: 'set ROUTER_CLAIMS_PUBLIC_KEY (Ed25519 SPKI PEM) or ROUTER_CLAIMS_SECRET',
      });
    if (base.NODE_ENV === 'production' && base.ROUTER_CLAIMS_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_CLAIMS_SECRET'],
        message: HS256_CLAIMS_IN_PRODUCTION,
      });
    if (base.NODE_ENV === 'production' && !base.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'required when NODE_ENV=production (the embedded PGlite is for development)',
      });
  }, alwaysCheck);
}

/**
 * Variables named after a subgraph, e.g. SUBGRAPH_JOBS_URL: `SUBGRAPH_<NAME>_<SETTING>` for each
 * NAME in `env`, as a map from the subgraph name (lower case) to the value, validated by `value`.
 * Which names exist is the registry's (or the supergraph's) business, checked where it is known.
 */
export function subgraphSettings<T extends z.ZodType>(setting: string, value: T) {
  const key = new RegExp(`^SUBGRAPH_([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)_${setting}$`);
  return (env: Record<string, unknown>, ctx: z.RefinementCtx): Record<string, z.output<T>> => {
    const out: Record<string, z.output<T>> = {};
    for (const [k, v] of Object.entries(env)) {
      const m = key.exec(k);
      if (!m || v === undefined || v === '') continue;
      const parsed = value.safeParse(v);
      if (parsed.success) out[m[1]!.toLowerCase()] = parsed.data;
      else for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [k], message: issue.message });
    }
    return out;
  };
}

/** An http(s) URL. */
export const httpUrl = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' });

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
  TEST_POSTGRES_URL: optionalString.describe(
    'tests only: a role that may CREATE DATABASE and owns the test databases (not a superuser); unset: PGlite',
  ),
  TEST_POSTGRES_APP_URL: optionalString.describe(
    "tests only: the application role's login (owns nothing); its database part is replaced per test",
  ),
  TEST_POSTGRES_SIGNER_URL: optionalString.describe(
    "tests only: the signer role's login (eventzr_signer: may read auth's signing keys, owns nothing); its database part is replaced per test",
  ),
  TEST_REDIS_URL: optionalString.describe(
    'tests only: a Redis server the Redis suites may write to (scripts/with-redis.sh sets it); unset: they are skipped',
  ),
  TEST_POSTGRES_BIN: optionalString.describe(
    "tests only: PostgreSQL's bin directory (initdb, pg_ctl; scripts/with-postgres.sh sets it), for the outage tests that stop and start a private server of their own; unset: they are skipped",
  ),
  TEST_POSTGRES_ADMIN_URL: optionalString.describe(
    "tests only: a superuser login on the same server, for tests that create throwaway roles (e.g. the start-up refusal of an application role that is a member of a table owner's role)",
  ),
});

/**
 * @apollo/gateway reads its telemetry switch from process.env itself when it is constructed; set
 * it from the validated configuration so the gateway phones home only when asked to.
 */
export function applyGatewayTelemetrySwitch(env: { APOLLO_TELEMETRY: boolean }): void {
  process.env.APOLLO_TELEMETRY_DISABLED = env.APOLLO_TELEMETRY ? 'false' : 'true';
}

/** The environment a launcher hands its child processes (they validate it themselves). */
export function inheritedEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
