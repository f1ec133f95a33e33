// HTTP plumbing the router and every subgraph share: request ids, the JSON body parser with
// GraphQL-over-HTTP errors for bad bodies, health endpoints, and a last-resort error handler
// that never leaks a stack trace.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpsServer, type ServerOptions as HttpsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { httpErrorBody } from './errors.ts';
import type { Logger } from './logger.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's x-request-id when it is a sane token, else a new UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v && REQUEST_ID.test(v) ? v : randomUUID();
}

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

export const requestIdMiddleware: RequestHandler = (req, res, next) => {
  req.requestId = requestIdFrom(req.headers['x-request-id']);
  res.setHeader('x-request-id', req.requestId);
  next();
};

export function sendError(
  res: express.Response,
  status: number,
  code: string,
  message: string,
  requestId?: string,
): void {
  res
    .status(status)
    .type('application/json')
    .send(JSON.stringify(httpErrorBody(code, message, requestId)));
}
const sendErrorBody: ErrorSender = sendError;

/** How a handler answers with an error before GraphQL runs (the router adds its response meta). */
export type ErrorSender = (
  res: express.Response,
  status: number,
  code: string,
  message: string,
  requestId?: string,
) => void;

/** express.json with the platform's answers: 413 for an oversized body, 400 for malformed JSON. */
export function jsonBody(limitBytes: number, sendError: ErrorSender = sendErrorBody): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: true });
  const mapErrors: ErrorRequestHandler = (err, req, res, next) => {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large')
      return sendError(res, 413, 'BAD_REQUEST', `Request body exceeds ${limitBytes} bytes`, req.requestId);
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON', req.requestId);
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported')
      return sendError(res, 415, 'BAD_REQUEST', 'Unsupported request encoding', req.requestId);
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'BAD_REQUEST', 'Malformed request', req.requestId);
    next(err);
  };
  return [parse as RequestHandler, mapErrors as unknown as RequestHandler];
}

export function healthRoutes(app: Express, ready: () => Promise<void>, log: Logger): void {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    try {
      await ready();
      res.json({ status: 'ready' });
    } catch (err) {
      log.warn({ err, requestId: req.requestId }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });
}

export function finalErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    log.error({ err, requestId: req.requestId }, 'unhandled error');
    if (res.headersSent) return void res.end();
    sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', req.requestId);
  };
}

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts `app` on host:port (0 = any free port) and returns how to reach and stop it; HTTPS when
 * `tls` is given (a certificate and key, and for client certificates `ca` + `requestCert`).
 */
export function listen(
  app: Express,
  port: number,
  host: string,
  path = '',
  tls?: HttpsServerOptions,
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = tls ? createHttpsServer(tls, app).listen(port, host) : app.listen(port, host);
    // Idle keep-alive connections outlive the client's: a client (the router's fetch, a load
    // balancer, a test) then never sends a request on a socket the server is closing at that very
    // moment, which fails it with "other side closed". Node's default of 5 s races undici's own
    // 4 s under load; clients read the `Keep-Alive: timeout=65` this sends and close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    server.once('error', reject);
    server.once('listening', () => {
      const addr = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        port: addr.port,
        url: `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}${path}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
