// The router process's configuration: lib's shared variables plus the router's own. Parsed once
// at start (lib/config readConfig); every invalid variable is named in one error.
import { z } from 'zod';
import {
  alwaysCheck,
  bool,
  byteSize,
  claimsSigningEnv,
  commonEnv,
  httpUrl,
  optionalString,
  optionalUrl,
  port,
  positiveInt,
  registryEnv,
  subgraphSettings,
} from '@eventzr/lib/config';

/** The subgraph whose routing URL's origin serves the access tokens' JWKS (also read by `npm start`). */
export const tokenIssuerSubgraph = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/)
  .default('auth');

const routerShape = {
  ...commonEnv,
  ...registryEnv,
  HOST: z.string().default('0.0.0.0'),
  PORT: port(4000),
  /** The supergraph to serve; default: supergraph.graphql next to the registry (schema/). */
  SUPERGRAPH_PATH: optionalString,
  /**
   * The subgraph that issues access tokens: its routing URL's origin serves the JWKS the router
   * verifies them with (unless AUTH_JWKS_URL says otherwise).
   */
  TOKEN_ISSUER_SUBGRAPH: tokenIssuerSubgraph,
  /** Issuer and audience of the auth subgraph's access tokens. */
  JWT_ISSUER: z.string().min(1).default('https://auth.eventzr.local'),
  JWT_AUDIENCE: z.string().min(1).default('eventzr-api'),
  /** JWKS of the token-issuing subgraph; default: its URL's origin + /.well-known/jwks.json */
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
  ...claimsSigningEnv,
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
  }, alwaysCheck)
  .transform((env, ctx) => {
    const known = Object.fromEntries(Object.keys(routerShape).map((k) => [k, env[k]])) as RouterShape;
    return {
      ...known,
      /**
       * SUBGRAPH_<NAME>_URL: where subgraph <name> is, overriding the routing URL the supergraph
       * records. A name the supergraph lacks is refused when the router loads it.
       */
      SUBGRAPH_URLS: subgraphSettings('URL', httpUrl)(env, ctx),
    };
  });

export type RouterEnv = z.infer<typeof routerEnvSchema>;
