// The subgraph server factory: every domain subgraph is built by this one function, so they all
// authenticate, authorize, mask errors and report health the same way.
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { DocumentNode, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import {
  CLAIMS_CLOCK_TOLERANCE_SECONDS,
  CLAIMS_HEADER,
  ClaimsTokenError,
  createClaimsVerifier,
  JsonDepthError,
  operationHash,
  type ClaimsKeyConfig,
} from './claims.ts';
import type { BaseContext, Context } from './context.ts';
import type { Database } from './db.ts';
import { ErrorCode, maskError } from './errors.ts';
import {
  finalErrorHandler,
  healthRoutes,
  jsonBody,
  listen,
  requestIdMiddleware,
  sendError,
  type Listening,
} from './http.ts';
import type { Logger } from './logger.ts';
import { assertAuthorizationAgrees } from './authz-check.ts';
import { claimsReplayGuard, ReplayStoreUnavailableError } from './replay.ts';
import { memoryStore, type SharedStore } from './store.ts';
import { applyShield, check, entityRules, type PermissionTree, type Rule, type RuleContext } from './shield.ts';

/**
 * A subgraph's resolver map, which each subgraph types with its generated `Resolvers` (codegen.ts).
 * Apollo's GraphQLResolverMap cannot be the declared type: it types `__resolveReference` as a field
 * resolver (source, args, context, info), and the real one takes (reference, context, info).
 */
export type SubgraphResolvers = { readonly [typeName: string]: object };

export interface SubgraphDefinition<L> {
  /** The subgraph's name: the audience its claims tokens are addressed to. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: SubgraphResolvers;
  /** Its authorization: field rules (applied with graphql-shield, fallback deny) and entity rules. */
  permissions: PermissionTree;
  /** Builds the request's DataLoaders: a fresh set per request, never shared. */
  createLoaders(ctx: BaseContext): L;
  /** Extra HTTP routes (e.g. the auth subgraph's JWKS), mounted before authentication. */
  routes?(app: Express): void;
}

export interface SubgraphServerOptions {
  database: Database;
  log: Logger;
  production: boolean;
  bodyLimit: number;
  claims: ClaimsKeyConfig;
  /**
   * Where the claims tokens' `jti`s are remembered until they expire (a second use is 401): the
   * process's shared store (lib/store: Redis when REDIS_URL is set, so replicas share it). Opened and
   * closed by the caller; unset: a memory store of this server's own, closed by stop().
   */
  replayStore?: SharedStore;
}

export interface SubgraphServer {
  app: Express;
  /** The executable schema with the permission tree applied. */
  schema: GraphQLSchema;
  apollo: ApolloServer<Context<unknown>>;
  listen(port: number, host?: string): Promise<Listening>;
  stop(): Promise<void>;
}

type ReferenceResolver = (reference: unknown, ctx: RuleContext, info: GraphQLResolveInfo) => unknown;

/**
 * Puts each entity type's rule in front of its `__resolveReference` (one that has none returns the
 * reference, as @apollo/subgraph would). `_entities` runs no Query rule per type, so this is where
 * a reference is authorized. The check is asynchronous: a refused reference is null with its error
 * at its own index, not a failure of the whole `_entities` call.
 */
function guardReferences(resolvers: SubgraphResolvers, rules: Readonly<Record<string, Rule>>): SubgraphResolvers {
  const out: Record<string, object> = { ...resolvers };
  for (const [type, rule] of Object.entries(rules)) {
    const own = out[type] as { __resolveReference?: ReferenceResolver } | undefined;
    const resolve = own?.__resolveReference;
    const guarded: ReferenceResolver = async (reference, ctx, info) => {
      const verdict = await check(rule, reference, {}, ctx, info);
      if (verdict !== true) throw verdict;
      return resolve ? resolve(reference, ctx, info) : reference;
    };
    out[type] = { ...own, __resolveReference: guarded };
  }
  return out;
}

/**
 * The subgraph schema with its permission tree applied: what the server executes. Refuses (throws)
 * a tree that disagrees with the SDL, or that leaves a resolvable @key type without an entity rule.
 */
export function buildShieldedSchema<L>(def: SubgraphDefinition<L>): GraphQLSchema {
  assertAuthorizationAgrees(def.name, def.typeDefs, def.permissions);
  const schema = buildSubgraphSchema({
    typeDefs: def.typeDefs,
    resolvers: guardReferences(def.resolvers, entityRules(def.permissions)) as GraphQLResolverMap<unknown>,
  });
  return applyShield(schema, def.permissions);
}

export async function createSubgraphServer<L>(
  def: SubgraphDefinition<L>,
  opts: SubgraphServerOptions,
): Promise<SubgraphServer> {
  const { database, log } = opts;
  const schema = buildShieldedSchema(def);
  const ownStore = opts.replayStore ? undefined : memoryStore();
  const store = opts.replayStore ?? ownStore!;
  const verifier = await createClaimsVerifier(opts.claims, {
    replay: claimsReplayGuard(store, { clockToleranceSeconds: CLAIMS_CLOCK_TOLERANCE_SECONDS }),
  });

  const errorLogger: ApolloServerPlugin<Context<L>> = {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const err of errors) {
            const code = err.extensions?.code;
            if (!code || code === 'INTERNAL_SERVER_ERROR')
              contextValue.log.error({ err: err.originalError ?? err, path: err.path }, 'resolver failed');
          }
        },
      };
    },
  };

  const apollo = new ApolloServer<Context<L>>({
    schema,
    introspection: !opts.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: opts.production,
    // Queries arrive from the router only; the claims token binds their exact text.
    persistedQueries: false,
    // lib's bootstrap owns the signals: it drains the listener before Apollo Server stops.
    stopOnTerminationSignals: false,
    // No inline traces: they would go to the router, which reports no usage to Apollo.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), errorLogger],
    formatError: (formatted, error) => maskError(formatted, error, { production: opts.production }),
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  // Not ready while the database or the shared store (Redis: the replay memory every request
  // writes) does not answer, or once the process drains.
  let listening: Listening | undefined;
  const dependencies = async () => {
    await database.ping();
    if (!(await store.ping())) throw new Error('the shared store (Redis) does not answer');
  };
  healthRoutes(app, dependencies, log, { draining: () => listening?.draining ?? false });
  def.routes?.(app);

  app.post('/graphql', ...jsonBody(opts.bodyLimit), async (req, res, next) => {
    // Nothing but a router-signed token addressed to this subgraph, for this operation, gets in.
    const token = req.headers[CLAIMS_HEADER];
    const body = req.body as { query?: unknown; variables?: unknown } | undefined;
    if (typeof token !== 'string' || !body || typeof body.query !== 'string') {
      return sendError(res, 401, 'UNAUTHENTICATED', 'A router-signed claims token is required', req.requestId);
    }
    let opHash: string;
    try {
      opHash = operationHash(body.query, body.variables);
    } catch (err) {
      // The hash is taken before the token is checked: variables too deep to hash are refused as
      // the malformed request they are (the router never forwards them), not a 500.
      if (err instanceof JsonDepthError)
        return sendError(res, 400, 'BAD_REQUEST', 'variables nested too deeply', req.requestId);
      return next(err);
    }
    try {
      const { caller, requestId } = await verifier.verify(token, { audience: def.name, opHash });
      req.requestId = requestId;
      res.setHeader('x-request-id', requestId);
      res.locals.caller = caller;
      next();
    } catch (err) {
      if (err instanceof ClaimsTokenError) {
        log.warn({ requestId: req.requestId, reason: err.message }, 'claims token refused');
        return sendError(res, 401, 'UNAUTHENTICATED', 'Invalid claims token', req.requestId);
      }
      if (err instanceof ReplayStoreUnavailableError) {
        // Fail closed: a token that cannot be recorded is not accepted; the caller may retry.
        log.error({ requestId: req.requestId, err: err.cause }, 'claims replay memory unreachable');
        res.setHeader('retry-after', '1');
        return sendError(
          res,
          503,
          ErrorCode.SERVICE_UNAVAILABLE,
          'Temporarily unable to accept requests; retry shortly',
          req.requestId,
        );
      }
      next(err);
    }
  });
  app.post(
    '/graphql',
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const base: BaseContext = {
          caller: res.locals.caller,
          requestId: req.requestId,
          database,
          log: log.child({ requestId: req.requestId }),
        };
        return { ...base, loaders: def.createLoaders(base) };
      },
    }),
  );
  app.all('/graphql', (req, res) => sendError(res, 405, 'BAD_REQUEST', 'Use POST', req.requestId));
  app.use(finalErrorHandler(log));

  return {
    app,
    schema,
    apollo: apollo as unknown as ApolloServer<Context<unknown>>,
    listen: async (port, host = '127.0.0.1') => (listening = await listen(app, port, host, '/graphql')),
    async stop() {
      await apollo.stop();
      await ownStore?.close();
    },
  };
}
