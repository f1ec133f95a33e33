// The router's HTTP layer around GraphQL: CORS allow-list, request shape checks, and the one way
// an answer given before GraphQL runs is written (same error shape, same meta as GraphQL answers).
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { jsonDeeperThan } from '@eventzr/lib/claims';
import { httpErrorBody } from '@eventzr/lib/errors';
import type { ErrorSender } from '@eventzr/lib/http';
import type { Logger } from '@eventzr/lib/logger';
import type { ResponseMeta } from './context.ts';
import { RATE_LIMIT_HEADERS } from './limits/http.ts';

/** Set by the first middleware; every early answer carries it. */
export const metaOf = (res: Response): ResponseMeta => res.locals.meta as ResponseMeta;

export function sendRouterError(res: Response, status: number, code: string, message: string): void {
  const meta = metaOf(res);
  const body = { ...httpErrorBody(code, message, meta?.request_id), extensions: { meta } };
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="eventzr"');
  res.status(status).type('application/json').send(JSON.stringify(body));
}

/** lib jsonBody's 400/413/415 answers, with the router's meta. */
export const routerErrorSender: ErrorSender = (res, status, code, message) =>
  sendRouterError(res, status, code, message);

/** Headers a browser may send. The internal key headers are deliberately absent: browsers never carry them. */
const ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'x-request-id',
  'x-tenant-id',
  'traceparent',
  'tracestate',
  'idempotency-key',
  'x-budget-max-usd',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
].join(', ');

/** Response headers a browser's script may read. */
const EXPOSED_HEADERS = ['x-request-id', 'idempotent-replayed', 'retry-after', ...RATE_LIMIT_HEADERS].join(', ');

/** CORS for an allow-list of exact origins; a preflight from any other origin is refused. */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    const ok = origin !== undefined && allowed.has(origin);
    if (ok) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (req.method !== 'OPTIONS') return next();
    if (origin !== undefined && !ok) return sendRouterError(res, 403, 'FORBIDDEN', 'Origin not allowed');
    if (ok) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', '86400');
    }
    res.setHeader('allow', 'GET, POST, OPTIONS');
    res.status(204).end();
  };
}

/** POST bodies must be JSON: anything else is refused before parsing (and so cannot be a CSRF "simple request"). */
export const requireJson: RequestHandler = (req, res, next) => {
  if (req.is('application/json')) return next();
  sendRouterError(res, 415, 'BAD_REQUEST', 'POST /graphql takes Content-Type: application/json');
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A GraphQL-over-HTTP request body, checked so every malformed one gets a 400 with meta. */
export const checkGraphQLBody: RequestHandler = (req, res, next) => {
  const body: unknown = req.body;
  if (Array.isArray(body)) return sendRouterError(res, 400, 'BAD_REQUEST', 'Batched requests are not supported');
  if (!isPlainObject(body)) return sendRouterError(res, 400, 'BAD_REQUEST', 'The body must be a JSON object');
  if (typeof body.query !== 'string' || body.query.trim() === '')
    return sendRouterError(res, 400, 'BAD_REQUEST', '`query` must be a non-empty string');
  if (body.variables != null && !isPlainObject(body.variables))
    return sendRouterError(res, 400, 'BAD_REQUEST', '`variables` must be an object');
  if (body.operationName != null && typeof body.operationName !== 'string')
    return sendRouterError(res, 400, 'BAD_REQUEST', '`operationName` must be a string');
  if (body.extensions != null && !isPlainObject(body.extensions))
    return sendRouterError(res, 400, 'BAD_REQUEST', '`extensions` must be an object');
  if (tooDeep(body.variables)) return sendRouterError(res, 400, 'BAD_REQUEST', VARIABLES_TOO_DEEP);
  next();
};

const VARIABLES_TOO_DEEP = 'variables nested too deeply';
/**
 * The claims token binds a hash of the variables, and hashing refuses what nests deeper than
 * lib's MAX_VARIABLES_DEPTH: refused here, with meta, rather than failing inside the gateway.
 */
const tooDeep = (variables: unknown): boolean => variables != null && jsonDeeperThan(variables);

const SEARCH_PARAMS = ['query', 'operationName', 'variables', 'extensions'] as const;
/** Apollo Server's csrfPrevention default (recommendedCsrfPreventionRequestHeaders). */
const CSRF_HEADERS = ['apollo-require-preflight', 'x-apollo-operation-name'];

/**
 * GET /graphql's query string, read as Apollo Server reads it (URLSearchParams over the raw
 * URL, not Express's parser, which stops at 1000 parameters), and checked like a POST body.
 * Apollo's own answers to a malformed GET (bad JSON in `variables`, a repeated parameter, a
 * foreign Content-Type) are written before any plugin runs: no meta, no request id.
 * `landingPage`: a GET without an operation that asks for HTML gets the Sandbox page.
 */
export function checkGraphQLQueryString(landingPage: boolean): RequestHandler {
  return (req, res, next) => {
    const params = new URLSearchParams(new URL(req.url, 'http://router.invalid').search);
    const query = params.get('query');
    if (query === null || query.trim() === '') {
      if (landingPage && req.accepts(['application/json', 'text/html']) === 'text/html') return next();
      return sendRouterError(res, 400, 'BAD_REQUEST', 'GET /graphql takes the operation in ?query=');
    }
    for (const name of SEARCH_PARAMS)
      if (params.getAll(name).length > 1)
        return sendRouterError(res, 400, 'BAD_REQUEST', `\`${name}\` may be given only once`);
    // Not req.is(): it answers null for any request without a body, which a GET is.
    const type = req.headers['content-type'];
    if (type !== undefined && type.split(';')[0]!.trim().toLowerCase() !== 'application/json')
      return sendRouterError(res, 415, 'BAD_REQUEST', 'GET /graphql takes no body; omit Content-Type');
    // Apollo's CSRF prevention, answered here with meta: a GET a browser could send cross-site
    // (no JSON Content-Type, no custom header that forces a preflight) runs nothing.
    if (type === undefined && !CSRF_HEADERS.some((h) => (req.get(h) ?? '') !== ''))
      return sendRouterError(
        res,
        400,
        'BAD_REQUEST',
        `GET /graphql needs a non-empty ${CSRF_HEADERS.join(' or ')} header`,
      );
    const parsed: Record<string, unknown> = {};
    for (const name of ['variables', 'extensions'] as const) {
      const raw = params.get(name);
      if (raw === null) continue;
      try {
        parsed[name] = JSON.parse(raw);
      } catch {
        parsed[name] = undefined;
      }
      if (!isPlainObject(parsed[name]))
        return sendRouterError(res, 400, 'BAD_REQUEST', `\`${name}\` must be a JSON-encoded object`);
    }
    if (tooDeep(parsed.variables)) return sendRouterError(res, 400, 'BAD_REQUEST', VARIABLES_TOO_DEEP);
    next();
  };
}

export function finalErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    log.error({ err, requestId: req.requestId }, 'unhandled error');
    if (res.headersSent) return void res.end();
    sendRouterError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}
