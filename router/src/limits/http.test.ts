import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Listening } from '@eventzr/lib/http';
import type { LimitVerdict } from './limiter.ts';
import { sendRateLimited, setRateLimitHeaders } from './http.ts';

const verdict = (over: Partial<LimitVerdict>): LimitVerdict => ({
  allowed: true,
  policy: { name: 'requests', points: 100, windowSeconds: 60 },
  limit: 100,
  remaining: 95,
  consumed: 5,
  resetMs: 30_500,
  retryAfterSeconds: 0,
  shared: true,
  ...over,
});

describe('rate limit headers and the 429 answer', () => {
  let server: Listening;
  beforeAll(async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.meta = { request_id: 'req-1', trace_id: 't', tenant_id: null };
      next();
    });
    app.get('/ok', (_req, res) => {
      setRateLimitHeaders(res, verdict({}), 1_700_000_000_000);
      res.json({ ok: true });
    });
    app.get('/refused', (_req, res) =>
      sendRateLimited(res, verdict({ allowed: false, remaining: 0, consumed: 101, retryAfterSeconds: 31 })),
    );
    server = await listen(app, 0, '127.0.0.1', '/');
  });
  afterAll(() => server.close());

  it('allowed: seed 004 headers and the IETF fields', async () => {
    const r = await fetch(new URL('/ok', server.url));
    expect(r.headers.get('x-ratelimit-limit')).toBe('100');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('95');
    expect(r.headers.get('x-ratelimit-reset')).toBe('1700000031');
    expect(r.headers.get('ratelimit-policy')).toBe('"requests";q=100;w=60');
    expect(r.headers.get('ratelimit')).toBe('"requests";r=95;t=31');
    expect(r.headers.get('retry-after')).toBeNull();
  });

  it('refused: 429, Retry-After, RATE_LIMITED with retryAfter, limit and window', async () => {
    const r = await fetch(new URL('/refused', server.url));
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('31');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    const body = (await r.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors).toEqual([
      {
        message: 'Rate limit exceeded. Try again in 31 seconds.',
        extensions: {
          code: 'RATE_LIMITED',
          retryAfter: 31,
          limit: 100,
          window: 60,
          policy: 'requests',
          requestId: 'req-1',
        },
      },
    ]);
  });
});
