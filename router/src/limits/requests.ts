// Request rate limits (seed 004): every GraphQL request counts against one fixed window of its
// caller, decided right after authentication and before the operation is even looked at.
//   - a user: RATE_LIMIT_USER_REQUESTS per window, keyed by tenant + user id (not the issuer:
//     the same user signed in through the auth subgraph and through Auth0 is one user);
//   - an internal caller: RATE_LIMIT_INTERNAL_REQUESTS per window, keyed by its credential id;
//   - an anonymous caller: RATE_LIMIT_ANONYMOUS_REQUESTS per window, keyed by its client address
//     (RouterContext.clientAddress: the TCP peer, or X-Forwarded-For when TRUSTED_PROXIES trusts
//     the peer). IPv4-mapped IPv6 addresses count as their IPv4 address; an IPv6 address counts
//     as its /64 (one subscriber's prefix: a host picks any address in it at will).
// A request refused by authentication (a bad token, a revoked key: 401; a malformed forwarded
// header: 400) counts against its client address like an anonymous one, so a flood of bad tokens
// is limited too.
//
// Every answer given after the decision carries the governing window's headers (limits/http.ts):
// gate refusals, GraphQL errors and successes alike. Past the limit: 429 with Retry-After and
// RATE_LIMITED, and nothing else runs (no parse, no plan, no subgraph call; the Idempotency-Key
// plugin never sees the request, so a 429 is never saved for replay). Refused requests count too
// (a standard fixed window: hammering past the limit does not shorten the wait).
//
// The counters are the router's Limiters (limits/limiter.ts): one exact limit across replicas on
// Redis, per-process insurance counters while Redis is unreachable.
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { Caller } from '@eventzr/lib/claims';
import type { Logger } from '@eventzr/lib/logger';
import type { RouterEnv } from '../config.ts';
import type { RouterContext } from '../context.ts';
import { sendRateLimited, setRateLimitHeaders } from './http.ts';
import type { Limiter, Limiters, LimitVerdict } from './limiter.ts';

export interface RequestLimitSettings {
  windowSeconds: number;
  /** Requests per window per user (tenant + user id). */
  user: number;
  /** Requests per window per anonymous client address. */
  anonymous: number;
  /** Requests per window per internal credential. */
  internal: number;
}

type LimitEnv = Pick<
  RouterEnv,
  | 'RATE_LIMIT_WINDOW_SECONDS'
  | 'RATE_LIMIT_USER_REQUESTS'
  | 'RATE_LIMIT_ANONYMOUS_REQUESTS'
  | 'RATE_LIMIT_INTERNAL_REQUESTS'
>;

export const requestLimitSettings = (config: LimitEnv): RequestLimitSettings => ({
  windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
  user: config.RATE_LIMIT_USER_REQUESTS,
  anonymous: config.RATE_LIMIT_ANONYMOUS_REQUESTS,
  internal: config.RATE_LIMIT_INTERNAL_REQUESTS,
});

/** The policies' names: counters' key prefixes, and what RateLimit-Policy names. */
export const REQUEST_POLICIES = {
  user: 'requests.user',
  anonymous: 'requests.anonymous',
  internal: 'requests.internal',
} as const;

/**
 * The address an anonymous caller is counted by: IPv4 as is (also when IPv4-mapped), IPv6 by its
 * /64 prefix; anything else (no address known) as given.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) return address;
  const [head = '', tail] = bare.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Which window a caller counts against: the policy's limiter and the caller's key in it. */
export interface RequestWindow {
  limiter: Limiter;
  key: string;
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('base64url');

export interface RequestLimits {
  /** The middleware (after authentication, before the operation gate). */
  middleware: RequestHandler;
  /**
   * For an answer authentication refuses (status < 500): counts it against the client address.
   * True when the address is over its limit and a 429 was sent instead; otherwise the headers
   * are set and the caller sends its refusal.
   */
  refusedByAuthentication(req: Request, res: Response, status: number): Promise<boolean>;
  /** The window `caller` counts against (tests and other limits read it). */
  windowOf(caller: Caller, clientAddress: string): RequestWindow;
}

export function createRequestLimits(opts: {
  limiters: Limiters;
  settings: RequestLimitSettings;
  log: Logger;
}): RequestLimits {
  const { limiters, settings, log } = opts;
  const windowSeconds = settings.windowSeconds;
  const user = limiters.limiter({ name: REQUEST_POLICIES.user, points: settings.user, windowSeconds });
  const anonymous = limiters.limiter({ name: REQUEST_POLICIES.anonymous, points: settings.anonymous, windowSeconds });
  const internal = limiters.limiter({ name: REQUEST_POLICIES.internal, points: settings.internal, windowSeconds });

  const windowOf = (caller: Caller, clientAddress: string): RequestWindow => {
    switch (caller.kind) {
      case 'user':
        // Hashed: bounded keys, and no tenant id and user id that run together into another's.
        return { limiter: user, key: digest(caller.tenantId, caller.userId) };
      case 'internal':
        return { limiter: internal, key: digest(caller.credentialId) };
      default:
        return { limiter: anonymous, key: addressKey(clientAddress) };
    }
  };

  /** Takes one request from the window; sets the headers, or answers 429. True when answered. */
  const decide = async (res: Response, window: RequestWindow, requestId: string | undefined): Promise<boolean> => {
    let verdict: LimitVerdict;
    try {
      verdict = await window.limiter.consume(window.key);
    } catch (err) {
      // The limiter answers its own faults; anything else must not fail the request either.
      log.error({ err, requestId }, 'request rate limit could not be counted; request allowed');
      return false;
    }
    if (verdict.allowed) {
      setRateLimitHeaders(res, verdict);
      return false;
    }
    log.info(
      { requestId, policy: verdict.policy.name, limit: verdict.limit, retryAfter: verdict.retryAfterSeconds },
      'request refused: rate limit exceeded',
    );
    sendRateLimited(res, verdict);
    return true;
  };

  return {
    windowOf,
    async middleware(req, res, next) {
      const context = res.locals.context as RouterContext;
      if (await decide(res, windowOf(context.caller, context.clientAddress), req.requestId)) return;
      next();
    },
    async refusedByAuthentication(req, res, status) {
      if (status >= 500) return false;
      const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      return decide(res, { limiter: anonymous, key: addressKey(address) }, req.requestId);
    },
  };
}
