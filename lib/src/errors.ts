// The platform's error codes and the masking every server applies before a
// response leaves the process.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  INSUFFICIENT_CREDITS: 'INSUFFICIENT_CREDITS',
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** A dependency (database, shared store) cannot answer right now: retry later (HTTP 503). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status a response gets when its first error carries this code (GraphQL-over-HTTP). */
export const httpStatusOf: Partial<Record<string, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/** Codes a client may see verbatim; anything else is masked in production. */
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  // Apollo Server's own request errors: the message says what was wrong with the request.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  // The router's operation limits (router/src/limits/operation-limits.ts): HTTP 400.
  'OPERATION_LIMIT_EXCEEDED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** An expected failure: a user mistake or a refusal. Its message is safe to show. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    const status = httpStatusOf[code];
    super(message, {
      extensions: { code, ...extensions, ...(status ? { http: { status } } : {}) },
    });
    this.name = 'AppError';
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

export const unauthenticated = (message = 'Missing or invalid authentication token') =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'Not allowed', requiredPermissions?: string[]) =>
  new AppError(ErrorCode.FORBIDDEN, message, requiredPermissions ? { requiredPermissions } : {});
export const badUserInput = (message: string, details: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, details);
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.CONFLICT, message, details);
export const quotaExceeded = (message: string, details: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.QUOTA_EXCEEDED, message, details);
export const rateLimited = (retryAfter: number) =>
  new AppError(ErrorCode.RATE_LIMITED, `Rate limit exceeded. Try again in ${retryAfter} seconds.`, {
    retryAfter,
  });

/** The message a client sees while the database (or another dependency) is out. */
export const SERVICE_UNAVAILABLE_MESSAGE = 'The service is briefly unavailable; retry the request';

/**
 * A dependency outage: the request did nothing that sticks (its transaction failed) and may be sent
 * again. `extensions.retryable: true` tells clients so; the HTTP status is 503.
 */
export const serviceUnavailable = (message = SERVICE_UNAVAILABLE_MESSAGE) =>
  new AppError(ErrorCode.SERVICE_UNAVAILABLE, message, { retryable: true });

/** Node socket errors that mean the database could not be reached or the connection broke. */
const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs of an outage rather than of the statement: class 08 (connection exception), the
 * server shutting down or crashed (57P01, 57P02), starting up (57P03), out of connections (53300).
 */
const OUTAGE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** node-postgres' own messages for a client or pool whose connection is gone. */
const CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end)/;

/**
 * Whether `err` (or an error it wraps, through `cause`/`originalError`, e.g. drizzle's
 * DrizzleQueryError or graphql-js' located error) says the database was out, not that the
 * statement was wrong: the request may be retried once it is back.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_ERRNOS.has(code) || OUTAGE_SQLSTATE.test(code))) return true;
    if (typeof message === 'string' && CONNECTION_MESSAGE.test(message)) return true;
    const next = e as { cause?: unknown; originalError?: unknown };
    e = next.cause ?? next.originalError;
  }
  return false;
}

export interface MaskOptions {
  production: boolean;
  requestId?: string;
  /** Called for every error that is masked: it is a bug or an outage and must be logged. */
  onInternalError?: (error: unknown) => void;
}

/**
 * Turns an error on its way out into what a client may see: known codes pass with their
 * message; anything else becomes INTERNAL_SERVER_ERROR (its message only outside production).
 * Stack traces never leave, nor do extensions other than the ones listed here.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  original: unknown,
  opts: MaskOptions,
): GraphQLFormattedError {
  const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
  const code = typeof ext.code === 'string' ? ext.code : undefined;
  const known = code !== undefined && CLIENT_CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR';
  // Postgres / driver errors wrapped by graphql-js keep their own "code" (e.g. 23505); they are not ours.
  const inner = (original as { originalError?: unknown } | undefined)?.originalError;
  const wrappedForeign = inner !== undefined && !(inner instanceof GraphQLError) && !isAppError(inner);
  if (known && !wrappedForeign) {
    const { exception: _e, stacktrace: _s, http: _h, ...rest } = ext;
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { ...rest, code, ...(opts.requestId ? { requestId: opts.requestId } : {}) },
    };
  }
  if (isConnectionError(inner ?? original)) {
    // A database outage that reached here unconverted: still the retryable answer, never a 500.
    const e = serviceUnavailable();
    return {
      message: e.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: e.code, retryable: true, ...(opts.requestId ? { requestId: opts.requestId } : {}) },
    };
  }
  opts.onInternalError?.(inner ?? original);
  return {
    message: opts.production ? 'Internal server error' : formatted.message,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: ErrorCode.INTERNAL_SERVER_ERROR,
      ...(opts.requestId ? { requestId: opts.requestId } : {}),
    },
  };
}

/** A JSON body for failures that happen before GraphQL runs (bad body, bad token...). */
export function httpErrorBody(code: string, message: string, requestId?: string) {
  const retryable = code === ErrorCode.SERVICE_UNAVAILABLE ? { retryable: true } : {};
  return {
    errors: [{ message, extensions: { code, ...retryable, ...(requestId ? { requestId } : {}) } }],
  };
}
