// The router process's configuration: lib's shared variables plus the router's own. Parsed once
// at start (lib/config readConfig); every invalid variable is named in one error.
import { isIP } from 'node:net';
import { z } from 'zod';
import { CredentialConfigError, parseCredentials } from './auth/credentials.ts';
import {
  alwaysCheck,
  bool,
  clockToleranceSeconds,
  byteSize,
  claimsSigningEnv,
  commonEnv,
  HS256_CLAIMS_IN_PRODUCTION,
  shutdownEnv,
  httpUrl,
  optionalString,
  optionalUrl,
  pem,
  port,
  positiveInt,
  registryEnv,
  subgraphSettings,
} from '@eventzr/lib/config';
import { storeEnv } from '@eventzr/lib/store';
import { DEFAULT_OPERATION_LIMITS as LIMITS, type OperationLimits } from './limits/operation-limits.ts';
import { costBudgetsSetting, smallestBudget } from './limits/budgets.ts';

/** The subgraph whose routing URL's origin serves the access tokens' JWKS (also read by `npm start`). */
export const tokenIssuerSubgraph = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/)
  .default('auth');

/**
 * SUBGRAPH_<NAME>_URL, one per registered subgraph: where subgraph <name> is, overriding the
 * routing URL the supergraph records. A name the supergraph lacks is refused when the router
 * loads it. The description documents the pattern in .env.example (npm run deploy:generate).
 */
export const subgraphUrlSetting = httpUrl.describe(
  "where the subgraph's GraphQL endpoint is; default: the routing URL the supergraph records (the registry's)",
);

/** What one operation may ask (limits/operation-limits.ts); over any of them: 400 OPERATION_LIMIT_EXCEEDED. */
const operationLimitsEnv = {
  OPERATION_MAX_TOKENS: positiveInt(LIMITS.maxTokens).describe(
    'most lexical tokens a GraphQL document may hold (the parser stops reading there; comments do not count)',
  ),
  OPERATION_MAX_DEPTH: positiveInt(LIMITS.maxDepth).describe(
    'deepest field nesting of the operation (`{ a { b } }` is 2; fragments add no level; introspection apart)',
  ),
  OPERATION_MAX_INTROSPECTION_DEPTH: positiveInt(LIMITS.maxIntrospectionDepth).describe(
    'deepest nesting under a root __schema / __type (getIntrospectionQuery nests 15 deep with its default typeDepth 9)',
  ),
  OPERATION_MAX_ALIASES: positiveInt(LIMITS.maxAliases).describe(
    'most aliased fields in the operation (`__typename` included; a fragment spread twice counts twice)',
  ),
  OPERATION_MAX_ROOT_FIELDS: positiveInt(LIMITS.maxRootFields).describe(
    'most root fields of the operation (distinct response keys, aliases included, `__typename` not): each is a resolver run',
  ),
  OPERATION_MAX_DIRECTIVES: positiveInt(LIMITS.maxDirectives).describe(
    'most directive uses in the operation and the fragments it spreads',
  ),
  OPERATION_MAX_FIELD_REPEATS: positiveInt(LIMITS.maxFieldRepeats).describe(
    'most times one field (response key) may be selected in one selection set, e.g. `{ me { id id id } }` is 3',
  ),
  OPERATION_MAX_VALUE_DEPTH: positiveInt(LIMITS.maxValueDepth).describe(
    "deepest nesting of list and object values in the operation's arguments, e.g. `f(x: [[1]])` is 2 (the gateway's planner doubles its work per list level)",
  ),
};

/** The operation limits a router config sets. */
export const operationLimitsOf = (env: z.output<z.ZodObject<typeof operationLimitsEnv>>): OperationLimits => ({
  maxTokens: env.OPERATION_MAX_TOKENS,
  maxDepth: env.OPERATION_MAX_DEPTH,
  maxIntrospectionDepth: env.OPERATION_MAX_INTROSPECTION_DEPTH,
  maxAliases: env.OPERATION_MAX_ALIASES,
  maxRootFields: env.OPERATION_MAX_ROOT_FIELDS,
  maxDirectives: env.OPERATION_MAX_DIRECTIVES,
  maxFieldRepeats: env.OPERATION_MAX_FIELD_REPEATS,
  maxValueDepth: env.OPERATION_MAX_VALUE_DEPTH,
});

/** Express's named ranges for `trust proxy` (proxy-addr). */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUSTED_PROXIES: which peers' X-Forwarded-For the router believes, in Express's `trust proxy`
 * terms: a hop count, or addresses, CIDR ranges and the names loopback / linklocal / uniquelocal.
 * Unset: none (the client address is the TCP peer's).
 */
export const trustedProxies = optionalString
  .transform((v, ctx): number | string[] | undefined => {
    const text = v?.trim();
    if (!text) return undefined;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    for (const e of entries) {
      const [address, bits, ...rest] = e.split('/');
      const family = isIP(address ?? '');
      const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
      if (PROXY_RANGES.has(e) || (family !== 0 && prefixOk && rest.length === 0)) continue;
      ctx.addIssue({
        code: 'custom',
        message: `"${e}" is not a hop count, an address, a CIDR range or loopback/linklocal/uniquelocal`,
      });
    }
    return entries;
  })
  .describe(
    'peers whose X-Forwarded-For names the client (rate limits per client address): a hop count, or a comma-separated list of addresses, CIDR ranges and loopback/linklocal/uniquelocal; unset: trust none',
  );

// Each variable's description is what .env.example says about it (npm run deploy:generate).
const routerShape = {
  ...commonEnv,
  ...registryEnv,
  HOST: z.string().default('0.0.0.0').describe('interface the router listens on'),
  PORT: port(4000).describe('port the router listens on'),
  ...shutdownEnv,
  SUPERGRAPH_PATH: optionalString.describe(
    'the supergraph to serve; default: supergraph.graphql next to the registry (schema/supergraph.graphql)',
  ),
  TOKEN_ISSUER_SUBGRAPH: tokenIssuerSubgraph.describe(
    "the subgraph that issues access tokens: its routing URL's origin serves the JWKS (unless AUTH_JWKS_URL is set)",
  ),
  JWT_ISSUER: z
    .string()
    .min(1)
    .default('https://auth.eventzr.local')
    .describe("`iss` of the auth subgraph's access tokens: the router trusts it, the auth subgraph signs with it"),
  JWT_AUDIENCE: z
    .string()
    .min(1)
    .default('eventzr-api')
    .describe("`aud` of the auth subgraph's access tokens: the router requires it, the auth subgraph sets it"),
  AUTH_JWKS_URL: optionalUrl.describe(
    "JWKS of the token-issuing subgraph; default: its routing URL's origin + /.well-known/jwks.json",
  ),
  JWKS_COOLDOWN_SECONDS: positiveInt(30).describe('least time between two JWKS refetches for an unknown `kid`'),
  JWKS_CACHE_MAX_AGE_SECONDS: positiveInt(600).describe(
    'longest time a fetched JWKS is used before it is fetched again: a key the issuer retired is dropped within it',
  ),
  JWT_CLOCK_TOLERANCE_SECONDS: clockToleranceSeconds.describe(
    "clock skew allowed when checking a token's exp and nbf (0-300 seconds)",
  ),
  AUTH0_DOMAIN: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'expected a host name such as your-tenant.us.auth0.com (no scheme)')
        .optional(),
    )
    .describe(
      'Auth0 tenant host, no scheme (JWKS: https://AUTH0_DOMAIN/.well-known/jwks.json); AUTH0_* together or not at all',
    ),
  AUTH0_AUDIENCE: optionalString.describe("`aud` the Auth0 tenant's access tokens must carry"),
  AUTH0_ISSUER: optionalString.describe("`iss` of the Auth0 tenant's access tokens (e.g. https://tenant.auth0.com/)"),
  DEV_JWT_SECRET: optionalString
    .pipe(z.string().min(32).optional())
    .describe('HS256 secret (at least 32 characters) for hand-made tokens: development and test only'),
  DEV_JWT_ISSUER: z
    .string()
    .min(1)
    .default('eventzr-dev')
    .describe("the `iss` development tokens carry: the router picks a token's verifier by its issuer"),
  DEVELOPMENT_AUTH_ENABLED: bool(false).describe(
    'anonymous requests act as dev@eventzr.com; refused when NODE_ENV=production',
  ),
  INTERNAL_API_KEY: optionalString
    .pipe(z.string().min(32).optional())
    .describe(
      'development and test only (refused when NODE_ENV=production): one internal key (x-internal-api-key, at least 32 characters) holding every internal scope; production uses INTERNAL_CREDENTIALS',
    ),
  INTERNAL_CREDENTIALS: optionalString
    .transform((v, ctx) => {
      try {
        return parseCredentials(v);
      } catch (e) {
        if (!(e instanceof CredentialConfigError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message });
        return z.NEVER;
      }
    })
    .describe(
      "internal callers' credentials, one per line or separated by ';': `<id> sha256=<key digest> scopes=internal:<area>.<action>,... [revoked]` (npm run keys -- internal <id> --scopes ...)",
    ),
  ROUTER_TLS_CERT: pem.describe('serve HTTPS: the certificate chain (PEM, newlines as \\n); with ROUTER_TLS_KEY'),
  ROUTER_TLS_KEY: pem.describe("serve HTTPS: the certificate's private key (PEM, newlines as \\n)"),
  ROUTER_MTLS_CA: pem.describe(
    "CA certificate(s) (PEM) that issue internal callers' client certificates; set: ROUTER_MTLS_SCOPES need a verified client certificate whose subject CN is the caller's credential id (needs ROUTER_TLS_CERT)",
  ),
  ROUTER_MTLS_SCOPES: z
    .string()
    .default('internal:jobs.worker')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .describe('comma-separated internal scopes whose fields need a client certificate when ROUTER_MTLS_CA is set'),
  TOKEN_CACHE_MAX: positiveInt(10_000).describe('most verified access tokens kept in memory until their exp'),
  TRUSTED_PROXIES: trustedProxies,
  BODY_LIMIT: byteSize('1mb').describe('largest request body in bytes (or e.g. 512kb, 1mb); larger ones get 413'),
  ...operationLimitsEnv,
  CORS_ORIGINS: optionalString
    .transform((v, ctx) => {
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
    })
    .describe('comma-separated browser origins allowed to call the router, e.g. https://app.eventzr.com'),
  INTROSPECTION: bool(false)
    .optional()
    .describe('introspection and the Sandbox landing page; default: on in development, off in production'),
  SUBGRAPH_TIMEOUT_MS: positiveInt(10_000).describe('how long the router waits for a subgraph response'),
  APOLLO_TELEMETRY: bool(false).describe(
    "@apollo/gateway's anonymous usage metrics to Apollo; off: collecting them probes cloud metadata endpoints",
  ),
  ...claimsSigningEnv,
  ...storeEnv,
  IDEMPOTENCY_TTL_SECONDS: positiveInt(86_400).describe(
    'how long the response to a mutation sent with an Idempotency-Key is replayed to the same caller (24 h)',
  ),
  IDEMPOTENCY_LEASE_MS: positiveInt(60_000).describe(
    'how long a mutation in flight holds its Idempotency-Key (a router that dies mid-flight frees it after this); more than SUBGRAPH_TIMEOUT_MS',
  ),
  // Request rate limits (limits/requests.ts): a fixed window per caller, shared by every replica on REDIS_URL.
  RATE_LIMIT_WINDOW_SECONDS: positiveInt(60).describe(
    "the request rate limits' window in seconds: each caller's count starts again after it",
  ),
  RATE_LIMIT_USER_REQUESTS: positiveInt(100).describe(
    'requests per window per authenticated user (tenant + user id, whichever issuer vouched for them); more get 429 RATE_LIMITED',
  ),
  RATE_LIMIT_ANONYMOUS_REQUESTS: positiveInt(10).describe(
    'requests per window per anonymous client address (an IPv6 address counts as its /64; see TRUSTED_PROXIES), requests refused by authentication included',
  ),
  RATE_LIMIT_INTERNAL_REQUESTS: positiveInt(6000).describe(
    'requests per window per internal credential (INTERNAL_CREDENTIALS id)',
  ),
  // Operation cost and cost budgets per tenant and user by plan tier (limits/cost.ts, limits/budgets.ts).
  OPERATION_MAX_COST: positiveInt(1000).describe(
    'most an operation may cost (@cost/@listSize, README "Operation cost and cost budgets"); a costlier one is refused with 400 COST_LIMIT_EXCEEDED before planning',
  ),
  COST_DEFAULT_LIST_SIZE: positiveInt(10).describe(
    'items assumed in a list field that no @listSize (slicing argument or assumedSize) sizes',
  ),
  COST_BUDGETS: costBudgetsSetting,
  // Limits declared with the operation (router/src/limits/declared.ts, field-limits.ts).
  DECLARED_LIMITS_ENABLED: bool(true).describe(
    'enforce the limits subgraphs declare on fields (@rateLimit, and @lockout: failed-login throttling); off: none is counted',
  ),
};
type RouterShape = z.output<z.ZodObject<typeof routerShape>>;

export const routerEnvSchema = z
  // Loose: SUBGRAPH_<NAME>_URL variables, collected below, are named after the subgraphs.
  .looseObject(routerShape)
  .superRefine((env, ctx) => {
    const prod = env.NODE_ENV === 'production';
    if (prod && env.DEVELOPMENT_AUTH_ENABLED === true)
      ctx.addIssue({
        code: 'custom',
        path: ['DEVELOPMENT_AUTH_ENABLED'],
        message: 'must not be true when NODE_ENV=production (anonymous callers would act as a user)',
      });
    if (prod && env.INTERNAL_API_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['INTERNAL_API_KEY'],
        message:
          'the shared development key is refused when NODE_ENV=production: give each internal caller its own credential in INTERNAL_CREDENTIALS',
      });
    if (Boolean(env.ROUTER_TLS_CERT) !== Boolean(env.ROUTER_TLS_KEY))
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_TLS_CERT'],
        message: 'ROUTER_TLS_CERT and ROUTER_TLS_KEY are set together or not at all',
      });
    if (env.ROUTER_MTLS_CA && !env.ROUTER_TLS_CERT)
      ctx.addIssue({
        code: 'custom',
        path: ['ROUTER_MTLS_CA'],
        message: 'client certificates need HTTPS: set ROUTER_TLS_CERT and ROUTER_TLS_KEY too',
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
    if (env.IDEMPOTENCY_LEASE_MS <= env.SUBGRAPH_TIMEOUT_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['IDEMPOTENCY_LEASE_MS'],
        message: 'must exceed SUBGRAPH_TIMEOUT_MS (a key must stay held while its mutation can still be running)',
      });
    // A refused COST_BUDGETS (its own issue says why) holds no budgets here.
    const smallest = typeof env.COST_BUDGETS?.tiers === 'object' ? smallestBudget(env.COST_BUDGETS) : undefined;
    if (smallest && smallest.points < env.OPERATION_MAX_COST)
      ctx.addIssue({
        code: 'custom',
        path: ['COST_BUDGETS'],
        message: `${smallest.where} (${smallest.points} points) must hold one operation of OPERATION_MAX_COST (${env.OPERATION_MAX_COST})`,
      });
    if (prod && env.ROUTER_CLAIMS_SECRET)
      ctx.addIssue({ code: 'custom', path: ['ROUTER_CLAIMS_SECRET'], message: HS256_CLAIMS_IN_PRODUCTION });
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
  }, alwaysCheck)
  .transform((env, ctx) => {
    const known = Object.fromEntries(Object.keys(routerShape).map((k) => [k, env[k]])) as RouterShape;
    return {
      ...known,
      /** SUBGRAPH_<NAME>_URL (subgraphUrlSetting): where subgraph <name> is. */
      SUBGRAPH_URLS: subgraphSettings('URL', subgraphUrlSetting)(env, ctx),
    };
  });

export type RouterEnv = z.infer<typeof routerEnvSchema>;
