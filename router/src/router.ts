// The router factory: one Express app with @apollo/gateway inside @apollo/server. main.ts starts
// it from the environment; tests start the same factory on port 0.
//
// A request goes: request id + trace context → CORS → (POST) JSON body, size limit, shape →
// authentication (bearer token / internal key / anonymous) and x-tenant-id → the caller's request
// rate limit (limits/requests.ts: headers on every answer from here on, 429 past it) → the one operation
// resolved and checked (operation.ts: operation limits, validation against the caller's schema,
// layer-1 authorization) → limits declared with its fields (limits/field-limits.ts) → its cost
// refused over the maximum or charged to the caller's cost budgets (limits/budgets.ts) → Apollo
// Server: parse, validate → a mutation with an Idempotency-Key claims it, or gets the saved
// response replayed (idempotency.ts) → gateway plans and calls subgraphs with router-signed
// claims tokens → errors normalised and masked → meta and extensions.cost added → the keyed
// mutation's response saved (or its key released).
import { dirname, resolve } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type RequestHandler } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { createClaimsSigner } from '@eventzr/lib/claims';
import { applyGatewayTelemetrySwitch } from '@eventzr/lib/config';
import { composedPaths, DEFAULT_REGISTRY_PATH, ROOT } from '@eventzr/lib/registry';
import { DEV_AUTH_USER, DEV_PASSWORD } from '@eventzr/lib/dev-seed';
import { jsonBody, listen, type Listening } from '@eventzr/lib/http';
import { createLogger, type Logger } from '@eventzr/lib/logger';
import { openSharedStore, type SharedStore } from '@eventzr/lib/store';
import { createAuthenticator } from './auth/authenticate.ts';
import { credentialStore, internalScopesOf } from './auth/credentials.ts';
import { operationLimitsOf, type RouterEnv } from './config.ts';
import { createTokenVerifier, trustedIssuers, type TokenStats } from './auth/tokens.ts';
import { createExternalIdentities, ROUTER_CALLER, type ExternalIdentityStats } from './auth/external-identities.ts';
import { forwardedHeaders, requestMetaFrom, responseMeta, type RequestMeta, type RouterContext } from './context.ts';
import {
  checkGraphQLBody,
  checkGraphQLQueryString,
  cors,
  finalErrorHandler,
  requireJson,
  routerErrorSender,
  sendRouterError,
} from './http.ts';
import { idempotencyPlugin } from './idempotency.ts';
import { declaredLimitsOf, noDeclaredLimits } from './limits/declared.ts';
import { createFieldLimits, type FieldLimitStats } from './limits/field-limits.ts';
import { createCostControl } from './limits/budgets.ts';
import { createLimiters, type LimiterStats } from './limits/limiter.ts';
import { createRequestLimits, requestLimitSettings } from './limits/requests.ts';
import { createOperationGate } from './operation.ts';
import { formatRouterError, responseFinishing } from './plugins.ts';
import { readinessCheck, type Readiness } from './readiness.ts';
import { sandboxOptions } from './sandbox.ts';
import { SubgraphDataSource } from './subgraph-source.ts';
import { loadSupergraph, readSupergraphFile, type LoadedSupergraph } from './supergraph.ts';
import { mtlsPolicy, tlsServerOptions, verifiedClientCertificate } from './tls.ts';

/** Origins Apollo Sandbox calls from; allowed in development only. */
const SANDBOX_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];

export interface RouterOptions {
  /** The supergraph SDL itself, instead of reading SUPERGRAPH_PATH (default schema/supergraph.graphql). */
  supergraphSdl?: string;
  /** Subgraph name → URL; wins over SUBGRAPH_<NAME>_URL and the supergraph's routing URLs. */
  subgraphUrls?: Record<string, string>;
  /** Defaults to a pino logger named "router" at LOG_LEVEL. */
  logger?: Logger;
  /** Clock (ms since epoch) for token expiry and the token cache; tests move it. */
  now?: () => number;
  /** Key sets used instead of fetching JWKS (tests: jose createLocalJWKSet). */
  keySets?: { auth?: JWTVerifyGetKey; auth0?: JWTVerifyGetKey };
  /** /readyz probe of each subgraph: timeout and how long an answer is reused. */
  readiness?: { timeoutMs?: number; reuseMs?: number };
  /** The shared store (Idempotency-Key records) instead of the one REDIS_URL names; the caller closes it. */
  store?: SharedStore;
}

export interface Router {
  app: Express;
  apollo: ApolloServer<RouterContext>;
  supergraph: LoadedSupergraph;
  /** Access-token verification counters: `verifications` runs, `cacheHits` served from the cache. */
  tokenStats: TokenStats;
  /** External-issuer mapping counters (undefined when no external issuer is trusted). */
  externalIdentityStats: ExternalIdentityStats | undefined;
  /** Where the limits are counted now (shared in Redis, or per process) and how often they fell back. */
  limitStats: LimiterStats;
  /** Declared field limits (@rateLimit) and login throttling (@lockout): refusals and outcomes read. */
  fieldLimitStats: FieldLimitStats;
  ready(): Promise<Readiness>;
  listen(port: number, host?: string): Promise<Listening>;
  /** Closes every listener this router opened, then stops Apollo Server and the gateway. */
  stop(): Promise<void>;
}

/** supergraph.graphql next to the registry file in use (schema/ unless SUBGRAPH_REGISTRY says otherwise). */
function defaultSupergraphPath(config: Pick<RouterEnv, 'SUBGRAPH_REGISTRY'>): string {
  const registry = config.SUBGRAPH_REGISTRY ? resolve(ROOT, config.SUBGRAPH_REGISTRY) : DEFAULT_REGISTRY_PATH;
  return composedPaths({ outDir: dirname(registry) }).supergraph;
}

export async function createRouter(config: RouterEnv, opts: RouterOptions = {}): Promise<Router> {
  const log = opts.logger ?? createLogger('router', config.LOG_LEVEL);
  const production = config.NODE_ENV === 'production';
  const introspection = config.INTROSPECTION ?? !production;

  const sdl = opts.supergraphSdl ?? readSupergraphFile(config.SUPERGRAPH_PATH ?? defaultSupergraphPath(config));
  const supergraph = loadSupergraph(sdl, { ...config.SUBGRAPH_URLS, ...opts.subgraphUrls });

  const signer = await createClaimsSigner(config);
  const issuers = trustedIssuers(config, { keySets: opts.keySets, subgraphs: supergraph.subgraphs });
  // External issuers' subjects become users of the token-issuing subgraph (auth) on first use.
  const tokenIssuer = supergraph.subgraphs.find((s) => s.name === config.TOKEN_ISSUER_SUBGRAPH);
  const externalIdentities =
    issuers.some((i) => i.external) && tokenIssuer
      ? createExternalIdentities({
          url: tokenIssuer.url,
          audience: tokenIssuer.name,
          signer,
          timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
          cacheMax: config.TOKEN_CACHE_MAX,
          log,
        })
      : undefined;
  const tokens = createTokenVerifier({
    issuers,
    externalIdentities,
    clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
    cacheMax: config.TOKEN_CACHE_MAX,
    now: opts.now,
  });
  const authenticator = createAuthenticator({
    tokens,
    // INTERNAL_API_KEY (development and tests; refused in production) holds every internal scope
    // but the router's own (ROUTER_CALLER's: fields only the router itself calls).
    credentials: credentialStore(
      config.INTERNAL_CREDENTIALS,
      config.INTERNAL_API_KEY
        ? {
            key: config.INTERNAL_API_KEY,
            scopes: internalScopesOf(supergraph.security).filter((s) => !ROUTER_CALLER.scopes.includes(s)),
          }
        : undefined,
    ),
    developmentAuth: config.DEVELOPMENT_AUTH_ENABLED,
  });

  // Resolves each request's one operation and runs every router-level check on it (operation.ts).
  const gate = createOperationGate({
    security: supergraph.security,
    production,
    introspection,
    mtls: mtlsPolicy(config),
    limits: operationLimitsOf(config),
  });
  const store =
    opts.store ?? openSharedStore(config, (err) => log.warn({ err: err.message }, 'shared store (Redis) unreachable'));
  // Every limit's counters (limits/): in the shared store's Redis, else in this process.
  const limiters = createLimiters({ store, log });
  // Requests per window per user / internal credential / anonymous client address (limits/requests.ts).
  const requestLimits = createRequestLimits({ limiters, settings: requestLimitSettings(config), log });
  // The limits subgraphs declare with their fields (@rateLimit, @lockout), read from the supergraph.
  const fieldLimits = createFieldLimits({
    declared: config.DECLARED_LIMITS_ENABLED ? declaredLimitsOf(sdl) : noDeclaredLimits(),
    limiters,
    log,
  });
  // Each operation's cost (@cost/@listSize): refused over OPERATION_MAX_COST, charged to the
  // caller's cost budgets by plan tier, reported in extensions.cost (limits/budgets.ts).
  const cost = createCostControl({ supergraphSdl: sdl, settings: config, limiters, log });

  applyGatewayTelemetrySwitch(config);
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph.gatewaySdl,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({ name, url: url ?? '', signer, timeoutMs: config.SUBGRAPH_TIMEOUT_MS, log }),
    logger: log,
  });
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    introspection,
    includeStacktraceInErrorResponses: false,
    // No "did you mean" field suggestions for strangers to map the schema with.
    hideSchemaDetailsFromClientErrors: production,
    csrfPrevention: true,
    // Operations are sent whole; a persisted-operation registry is the planned successor.
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    // main.ts owns the signals and stops the listener first.
    stopOnTerminationSignals: false,
    logger: log,
    plugins: [
      introspection
        ? ApolloServerPluginLandingPageLocalDefault(
            sandboxOptions(production ? undefined : { email: DEV_AUTH_USER.email, password: DEV_PASSWORD }),
          )
        : ApolloServerPluginLandingPageDisabled(),
      gate.plugin,
      responseFinishing(log),
      // extensions.cost beside meta; before idempotency, so a keyed mutation's saved response
      // carries its cost and a replay is the saved body, byte for byte.
      cost.plugin,
      // After responseFinishing: a replay puts back the saved body it stamped.
      idempotencyPlugin({
        store,
        ttlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
        leaseMs: config.IDEMPOTENCY_LEASE_MS,
        log,
      }),
      // Reads each @lockout field's outcome (failure / success) from the response.
      fieldLimits.plugin,
    ],
    formatError: formatRouterError(production),
  });
  await apollo.start();
  let running = true;
  const listeners = new Set<Listening>();

  const ready = readinessCheck(supergraph.subgraphs, () => running, { ...opts.readiness, store: () => store.ping() });
  const app = express();
  app.disable('x-powered-by');
  // req.ip: the TCP peer, or what X-Forwarded-For says when the peer is a trusted proxy.
  app.set('trust proxy', config.TRUSTED_PROXIES ?? false);
  app.set('etag', false);

  app.use((req, res, next) => {
    const meta = requestMetaFrom(req.headers);
    req.requestId = meta.requestId;
    res.locals.requestMeta = meta;
    res.locals.meta = responseMeta(meta);
    res.setHeader('x-request-id', meta.requestId);
    res.setHeader('x-content-type-options', 'nosniff');
    next();
  });
  app.use(cors([...config.CORS_ORIGINS, ...(production ? [] : SANDBOX_ORIGINS)]));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    // Draining (SIGTERM): not ready at once, whatever the subgraphs say.
    if (!running || [...listeners].some((l) => l.draining))
      return void res.status(503).json({ status: 'unavailable', reason: 'shutting down' });
    const r = await ready();
    res.status(r.ready ? 200 : 503).json({
      status: r.ready ? 'ready' : 'unavailable',
      subgraphs: r.subgraphs,
      store: r.store,
      // shared (Redis) | local (Redis unreachable: per-process limits) | memory (no Redis)
      limits: limiters.stats.mode,
    });
  });

  const authenticate: RequestHandler = async (req, res, next) => {
    const requestMeta = res.locals.requestMeta as RequestMeta;
    const forwarded = forwardedHeaders(req.headers);
    if (!forwarded.ok) {
      if (await requestLimits.refusedByAuthentication(req, res, 400)) return;
      return sendRouterError(res, 400, 'BAD_REQUEST', forwarded.message);
    }
    const auth = await authenticator.authenticate(req.headers);
    if (!auth.ok) {
      // 503: the key set could not be fetched, an outage to look at; the rest are callers' mistakes.
      log[auth.status === 503 ? 'warn' : 'info'](
        { requestId: requestMeta.requestId, reason: auth.reason, status: auth.status },
        'request refused by authentication',
      );
      // Counted against the client address (a flood of bad tokens is limited); 429 past it.
      if (await requestLimits.refusedByAuthentication(req, res, auth.status)) return;
      return sendRouterError(res, auth.status, auth.code, auth.message);
    }
    res.locals.meta = responseMeta(requestMeta, auth.caller);
    const certificate = verifiedClientCertificate(req);
    const context: RouterContext = {
      ...requestMeta,
      caller: auth.caller,
      forward: forwarded.forward,
      clientAddress: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      ...(certificate ? { clientCertificate: certificate } : {}),
    };
    res.locals.context = context;
    next();
  };
  const graphql = expressMiddleware(apollo, { context: async ({ res }) => res.locals.context as RouterContext });

  app.post(
    '/graphql',
    requireJson,
    ...jsonBody(config.BODY_LIMIT, routerErrorSender),
    checkGraphQLBody,
    authenticate,
    requestLimits.middleware,
    gate.middleware,
    fieldLimits.middleware,
    cost.middleware,
    graphql,
  );
  app.get(
    '/graphql',
    // The Sandbox page (development) is the one GET without an operation.
    checkGraphQLQueryString(introspection),
    authenticate,
    (req, _res, next) => {
      // GET carries the operation in the query string (Apollo reads it there); the integration wants a body property.
      (req as { body?: unknown }).body ??= undefined;
      next();
    },
    requestLimits.middleware,
    gate.middleware,
    fieldLimits.middleware,
    cost.middleware,
    graphql,
  );
  app.all('/graphql', (_req, res) => {
    res.setHeader('allow', 'GET, POST, OPTIONS');
    sendRouterError(res, 405, 'BAD_REQUEST', 'Use POST (or GET for queries)');
  });
  app.use((_req, res) => sendRouterError(res, 404, 'NOT_FOUND', 'Not found'));
  app.use(finalErrorHandler(log));

  return {
    app,
    apollo,
    supergraph,
    tokenStats: tokens.stats,
    externalIdentityStats: externalIdentities?.stats,
    limitStats: limiters.stats,
    fieldLimitStats: fieldLimits.stats,
    ready,
    async listen(port, host = '127.0.0.1') {
      const l = await listen(app, port, host, '/graphql', tlsServerOptions(config));
      listeners.add(l);
      return {
        url: l.url,
        port: l.port,
        get draining() {
          return l.draining;
        },
        drain: (graceMs) => l.drain(graceMs),
        close: async () => {
          listeners.delete(l);
          await l.close();
        },
      };
    },
    async stop() {
      running = false;
      await Promise.all([...listeners].map((l) => l.close()));
      listeners.clear();
      await apollo.stop();
      if (!opts.store) await store.close();
    },
  };
}
