// How the router calls one subgraph: each fetch carries a claims token the router signs for THAT
// subgraph (audience) and THAT subquery (hash of query and variables), plus the request id,
// trace context and the client headers subgraphs act on. The caller's own credentials (bearer
// token, internal key) never leave the router: the outgoing headers are built from nothing.
//
// What comes back is normalised: platform error codes pass through (a refusal stays a refusal);
// anything else, and every transport failure (timeout, 5xx, not JSON), becomes a masked
// INTERNAL_SERVER_ERROR whose details go to the log, never to the client. A subgraph that refuses
// the connection (down, restarting, draining) never saw the request: SERVICE_UNAVAILABLE, retryable.
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import { ANONYMOUS, CLAIMS_HEADER, operationHash, type ClaimsSigner } from '@eventzr/lib/claims';
import { ErrorCode, serviceUnavailable } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import type { RouterContext } from './context.ts';

/** Codes a subgraph may hand the client as they are (INTERNAL_SERVER_ERROR is re-masked here). */
const PASS_THROUGH = new Set<string>(Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR));
/** Extensions that are about the subgraph, not for the client. */
const STRIPPED = ['exception', 'stacktrace', 'http', 'serviceName', 'response', 'requestId'];

export const SUBGRAPH_FAILURE_MESSAGE = 'A backing service failed to answer; try again later';

interface SubgraphError {
  message: string;
  path?: readonly (string | number)[];
  extensions: Record<string, unknown>;
}

/** A non-2xx answer, kept whole so a GraphQL body inside it is not lost. */
class SubgraphHttpError extends GraphQLError {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`subgraph answered HTTP ${status}`);
  }
}

/** The subgraph refused the connection: the request never reached it, so it may be sent again. */
function neverReached(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Node's fetch with a deadline: a subgraph that hangs costs SUBGRAPH_TIMEOUT_MS, not forever. */
export function timeoutFetcher(timeoutMs: number): Fetcher {
  return ((url: string, init: RequestInit) =>
    fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as unknown as Fetcher;
}

export interface SubgraphSourceOptions {
  name: string;
  url: string;
  signer: ClaimsSigner;
  timeoutMs: number;
  log: Logger;
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  private readonly opts: SubgraphSourceOptions;

  constructor(opts: SubgraphSourceOptions) {
    super({ url: opts.url, fetcher: timeoutFetcher(opts.timeoutMs), apq: false });
    this.opts = opts;
  }

  /**
   * Signs a fresh claims token (a new `jti`) for every fetch: subgraphs accept a token once
   * (lib/replay). RemoteGraphQLDataSource calls this once per fetch and then sends exactly one
   * request: no retries, and automatic persisted queries (`apq`, which would send the same
   * headers twice) stay off. A retry added here must go through process() again, never resend.
   */
  override async willSendRequest(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<void> {
    const { request } = options;
    const headers = request.http!.headers;
    const ctx = options.kind === 'incoming operation' ? (options.context as RouterContext) : undefined;
    const requestId = ctx?.requestId ?? 'router';
    const token = await this.opts.signer.sign({
      caller: ctx?.caller ?? ANONYMOUS,
      audience: this.opts.name,
      opHash: operationHash(request.query ?? '', request.variables),
      requestId,
    });
    headers.set(CLAIMS_HEADER, token);
    headers.set('x-request-id', requestId);
    if (ctx) {
      headers.set('traceparent', ctx.traceparent);
      if (ctx.tracestate) headers.set('tracestate', ctx.tracestate);
      for (const [k, v] of Object.entries(ctx.forward)) headers.set(k, v);
    }
  }

  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    let body: unknown;
    try {
      body = await this.parseBody(response);
    } catch {
      body = undefined;
    }
    return new SubgraphHttpError(response.status, body);
  }

  override async process(options: GraphQLDataSourceProcessOptions<RouterContext>): Promise<GatewayGraphQLResponse> {
    const requestId =
      options.kind === 'incoming operation' ? (options.context as RouterContext | undefined)?.requestId : undefined;
    let response: GatewayGraphQLResponse;
    try {
      response = await super.process(options);
    } catch (err) {
      // A refusal or a user error travels with a 4xx status and a GraphQL body: keep it whole.
      if (
        err instanceof SubgraphHttpError &&
        isRecord(err.body) &&
        Array.isArray(err.body.errors) &&
        'data' in err.body
      ) {
        return this.normalise(
          { data: err.body.data as GatewayGraphQLResponse['data'], errors: err.body.errors },
          requestId,
        );
      }
      return this.failure(err, requestId);
    }
    return this.normalise(response, requestId);
  }

  private normalise(response: GatewayGraphQLResponse, requestId: string | undefined): GatewayGraphQLResponse {
    if (!response.errors || response.errors.length === 0) return response;
    if (!('data' in response) || response.data === undefined) {
      // No `data` at all: the subgraph refused the request itself (claims token, validation of the
      // router's subquery, body limit). That is the router's or the deployment's fault, not the caller's.
      this.opts.log.error(
        { requestId, subgraph: this.opts.name, errors: response.errors },
        'subgraph refused the router request (check claims keys and that the supergraph matches the subgraph)',
      );
      return this.failure(undefined, requestId, true);
    }
    return { ...response, errors: response.errors.map((e) => this.clientError(e, requestId)) as never };
  }

  private clientError(raw: unknown, requestId: string | undefined): SubgraphError {
    const e = isRecord(raw) ? raw : {};
    const ext = isRecord(e.extensions) ? e.extensions : {};
    const path = Array.isArray(e.path) ? (e.path as (string | number)[]) : undefined;
    const message = typeof e.message === 'string' ? e.message : 'Error';
    const code = typeof ext.code === 'string' ? ext.code : undefined;
    if (code && PASS_THROUGH.has(code)) {
      const rest = Object.fromEntries(Object.entries(ext).filter(([k]) => !STRIPPED.includes(k)));
      return { message, ...(path ? { path } : {}), extensions: { ...rest, code } };
    }
    this.opts.log.error({ requestId, subgraph: this.opts.name, error: { message, code, path } }, 'subgraph error');
    // The router's formatError masks the message in production; outside it the text helps debugging.
    return { message, ...(path ? { path } : {}), extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  }

  private failure(err: unknown, requestId: string | undefined, logged = false): GatewayGraphQLResponse {
    if (!logged) {
      const detail =
        err instanceof SubgraphHttpError
          ? { status: err.status, body: typeof err.body === 'string' ? err.body.slice(0, 500) : err.body }
          : { err };
      this.opts.log.error(
        { requestId, subgraph: this.opts.name, url: this.opts.url, ...detail },
        'subgraph request failed',
      );
    }
    if (neverReached(err)) {
      const e = serviceUnavailable();
      return { errors: [{ message: e.message, extensions: { code: e.code, retryable: true } }] as never };
    }
    return {
      errors: [{ message: SUBGRAPH_FAILURE_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] as never,
    };
  }
}
