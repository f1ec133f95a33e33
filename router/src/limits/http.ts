// How a limit shows on the wire, for every limit the router enforces (request rates, declared
// per-field limits, login throttling, cost budgets):
//   - seed 004's headers: X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (the Unix
//     time, in seconds, when the window resets);
//   - the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, structured fields):
//     `RateLimit-Policy: "<name>";q=<points>;w=<window seconds>` and
//     `RateLimit: "<name>";r=<remaining>;t=<seconds to reset>`;
//   - past a limit: 429 with Retry-After and a GraphQL error RATE_LIMITED carrying seed 004's
//     body (`retryAfter`, `limit`, `window`) in `extensions`, plus which policy refused.
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import type { ResponseMeta, RouterContext } from '../context.ts';
import type { LimitVerdict } from './limiter.ts';

/** Response headers a browser's script may read (added to CORS's exposed headers). */
export const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'ratelimit',
  'ratelimit-policy',
] as const;

/** Sets the headers of `verdict` (the request's governing limit) on `res`. */
export function setRateLimitHeaders(res: Response, verdict: LimitVerdict, now = Date.now()): void {
  const resetSeconds = Math.ceil(verdict.resetMs / 1000);
  const name = verdict.policy.name;
  res.setHeader('x-ratelimit-limit', String(verdict.limit));
  res.setHeader('x-ratelimit-remaining', String(verdict.remaining));
  res.setHeader('x-ratelimit-reset', String(Math.ceil((now + verdict.resetMs) / 1000)));
  res.setHeader('ratelimit-policy', `"${name}";q=${verdict.limit};w=${verdict.policy.windowSeconds}`);
  res.setHeader('ratelimit', `"${name}";r=${verdict.remaining};t=${resetSeconds}`);
}

/** The GraphQL error of a refused verdict (seed 004's 429 body, in extensions). */
export function rateLimitedError(verdict: LimitVerdict, message?: string): GraphQLError {
  const retryAfter = verdict.retryAfterSeconds;
  return new GraphQLError(message ?? `Rate limit exceeded. Try again in ${retryAfter} seconds.`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfter,
      limit: verdict.limit,
      window: verdict.policy.windowSeconds,
      policy: verdict.policy.name,
    },
  });
}

/**
 * The variables a GraphQL request sent (POST body, or GET's JSON-encoded `variables`), as the limit
 * stages read them; undefined when absent or malformed (Apollo answers those).
 */
export function sentVariables(req: {
  method: string;
  url: string;
  body?: unknown;
}): Record<string, unknown> | undefined {
  let raw: unknown;
  if (req.method === 'GET') {
    const text = new URL(req.url, 'http://router.invalid').searchParams.get('variables');
    try {
      raw = text === null ? undefined : JSON.parse(text);
    } catch {
      raw = undefined;
    }
  } else raw = (req.body as { variables?: unknown } | undefined)?.variables;
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}

/** Records points a stage took, to give back if a later stage refuses the request before it runs. */
export function holdForRefund(context: RouterContext, refund: () => Promise<void>): void {
  (context.refunds ??= []).push(refund);
}

/** A later stage refused the request: every earlier stage gets its points back (errors logged, never thrown). */
export async function refundEarlierStages(context: RouterContext, log: Logger): Promise<void> {
  const refunds = context.refunds ?? [];
  context.refunds = [];
  await Promise.all(
    refunds.map((refund) =>
      refund().catch((err: unknown) =>
        log.error({ err, requestId: context.requestId }, 'points of a refused request could not be given back'),
      ),
    ),
  );
}

/** Answers 429 for a refused verdict, before any subgraph is called; headers included. */
export function sendRateLimited(res: Response, verdict: LimitVerdict, message?: string): void {
  setRateLimitHeaders(res, verdict);
  res.setHeader('retry-after', String(verdict.retryAfterSeconds));
  // router/http.ts's metaOf, read directly: that module imports this one (the exposed headers).
  const meta = res.locals.meta as ResponseMeta | undefined;
  const error = rateLimitedError(verdict, message).toJSON();
  const errors = [{ ...error, extensions: { ...error.extensions, ...(meta ? { requestId: meta.request_id } : {}) } }];
  res
    .status(429)
    .type('application/json')
    .send(JSON.stringify({ errors, extensions: { meta } }));
}
