// HTTP plumbing the router and every subgraph share: request ids, the JSON body parser with
// GraphQL-over-HTTP errors for bad bodies, health endpoints, and a last-resort error handler
// that never leaks a stack trace.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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

/** Why a process is not ready: said in /readyz's body and logged. */
export class NotReady extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NotReady';
  }
}

/**
 * A readiness probe that is cheap to call often: one probe runs at a time, it gives up after
 * `timeoutMs` (a database that hangs during a failover answers "unavailable", not never), and its
 * answer is reused for `reuseMs`. Resolves with undefined when ready, else with the reason.
 */
export function cachedProbe(
  probe: () => Promise<void>,
  opts: { timeoutMs: number; reuseMs: number },
): () => Promise<string | undefined> {
  let last: { at: number; reason: string | undefined } | undefined;
  let running: Promise<string | undefined> | undefined;
  const run = async (): Promise<string | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NotReady(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    });
    try {
      await Promise.race([probe(), timeout]);
      return undefined;
    } catch (err) {
      return err instanceof NotReady ? err.reason : (err as Error)?.message || String(err);
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    if (last && Date.now() - last.at < opts.reuseMs) return Promise.resolve(last.reason);
    running ??= run().then((reason) => {
      last = { at: Date.now(), reason };
      running = undefined;
      return reason;
    });
    return running;
  };
}

export interface HealthOptions {
  /** True once the process is shutting down: /readyz says 503 at once, without probing. */
  draining?: () => boolean;
  /** How long one probe may take, and how long its answer is reused (defaults 1000 ms, 1000 ms). */
  timeoutMs?: number;
  reuseMs?: number;
}

/**
 * /healthz: the process runs. /readyz: it can serve now; `ready` is its probe (e.g. the
 * database's ping), timed out and cached (cachedProbe); 503 with `reason` when not, e.g. while the
 * database is out or the process drains.
 */
export function healthRoutes(app: Express, ready: () => Promise<void>, log: Logger, opts: HealthOptions = {}): void {
  const probe = cachedProbe(ready, { timeoutMs: opts.timeoutMs ?? 1000, reuseMs: opts.reuseMs ?? 1000 });
  let lastReason: string | undefined;
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    const reason = opts.draining?.() ? 'shutting down' : await probe();
    if (reason !== lastReason) {
      // Logged when it changes, not at every poll of a load balancer.
      if (reason) log.warn({ requestId: req.requestId, reason }, 'not ready');
      else log.info({ requestId: req.requestId }, 'ready again');
      lastReason = reason;
    }
    if (reason) res.status(503).json({ status: 'unavailable', reason });
    else res.json({ status: 'ready' });
  });
}

export function finalErrorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    log.error({ err, requestId: req.requestId }, 'unhandled error');
    if (res.headersSent) return void res.end();
    sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', req.requestId);
  };
}

export interface DrainResult {
  /** Requests this listener took in its lifetime, and how many of them were answered in full. */
  accepted: number;
  completed: number;
  /** Requests under way at the start of the drain. */
  inFlightAtStart: number;
  /** Connections destroyed because the grace period ran out (0 when every request finished). */
  destroyed: number;
}

export interface Listening {
  url: string;
  port: number;
  /** True once drain() (or close()) has begun. */
  readonly draining: boolean;
  /** Stops at once, dropping every connection (tests). A process stops with drain(). */
  close(): Promise<void>;
  /**
   * Graceful stop: stops accepting connections, closes idle keep-alive connections, lets the
   * requests under way finish (their responses and any later one on the same connection say
   * `Connection: close`), and after `graceMs` destroys what is left. Resolves once every
   * connection is gone.
   */
  drain(graceMs: number): Promise<DrainResult>;
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
    let draining = false;
    let accepted = 0;
    let completed = 0;
    const active = new Set<ServerResponse>();
    let settle: (() => void) | undefined;
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      accepted++;
      active.add(res);
      // Said on every response that starts during the drain: the client opens a new connection
      // (to another replica) for its next request instead of reusing this one.
      if (draining) res.setHeader('connection', 'close');
      res.once('finish', () => completed++);
      res.once('close', () => {
        active.delete(res);
        if (!draining) return;
        // Its connection may have gone idle: close it rather than wait for a next request.
        setImmediate(() => server.closeIdleConnections());
        if (active.size === 0) settle?.();
      });
      app(req, res);
    };
    const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
    // Idle keep-alive connections outlive the client's: a client (the router's fetch, a load
    // balancer, a test) then never sends a request on a socket the server is closing at that very
    // moment, which fails it with "other side closed". Node's default of 5 s races undici's own
    // 4 s under load; clients read the `Keep-Alive: timeout=65` this sends and close first.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    const closed = new Promise<void>((done) => server.once('close', () => done()));

    let draining$: Promise<DrainResult> | undefined;
    const drain = (graceMs: number): Promise<DrainResult> => (draining$ ??= drainOnce(graceMs));
    const drainOnce = async (graceMs: number): Promise<DrainResult> => {
      const inFlightAtStart = active.size;
      draining = true;
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      // Stops accepting; Node also closes the connections that are idle now.
      server.close();
      server.closeIdleConnections();
      let destroyed = 0;
      if (active.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = await new Promise<boolean>((done) => {
          settle = () => done(false);
          timer = setTimeout(() => done(true), graceMs);
        });
        clearTimeout(timer);
        if (graceOver) {
          destroyed = active.size;
          server.closeAllConnections();
        }
      }
      // Connections opened just before the close that never sent a request.
      server.closeAllConnections();
      await closed;
      return { accepted, completed, inFlightAtStart, destroyed };
    };

    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        port: addr.port,
        url: `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}${path}`,
        get draining() {
          return draining;
        },
        close: async () => {
          const drained = drain(0);
          server.closeAllConnections();
          await drained;
        },
        drain,
      });
    });
  });
}

/**
 * A process's stop on SIGINT/SIGTERM, the same for the router and every subgraph: /readyz turns
 * 503 and the listener stops accepting at once, idle keep-alive connections close, requests under
 * way finish (up to `graceMs`, then they are cut), then `release` frees the rest (servers,
 * background tasks, stores, pools) and the process exits: 0, or 1 when something failed to stop.
 */
export function drainOnSignals(opts: {
  listening: Listening;
  graceMs: number;
  log: Logger;
  release: () => Promise<void>;
}): void {
  const { listening, graceMs, log } = opts;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // The listener is closed by the time this says so.
    const draining = listening.drain(graceMs);
    log.info({ signal, graceMs }, 'draining');
    let code = 0;
    try {
      const drained = await draining;
      log.info({ ...drained }, 'drained');
      await opts.release();
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      code = 1;
    }
    log.flush();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
