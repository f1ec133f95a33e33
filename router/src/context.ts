// Per-request state the router carries from the HTTP layer through the gateway to each subgraph
// fetch, and the `meta` block every response ends with.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '@eventzr/lib/claims';
import { requestIdFrom } from '@eventzr/lib/http';
import type { ClientCertificate } from './tls.ts';
import type { CheckedOperation } from './operation.ts';
import type { CostReport } from './limits/budgets.ts';

export interface RequestMeta {
  requestId: string;
  traceId: string;
  /** What subgraphs receive: this trace, with the router's own span as parent. */
  traceparent: string;
  tracestate?: string;
}

export interface RouterContext extends RequestMeta {
  caller: Caller;
  /** Client headers passed on to subgraphs after validation (Idempotency-Key, x-budget-max-usd). */
  forward: Readonly<Record<string, string>>;
  /** The client certificate the router's mTLS CA verified on this connection (tls.ts). */
  clientCertificate?: ClientCertificate;
  /**
   * The client's address: the TCP peer's, or the one X-Forwarded-For names when the peer is a
   * trusted proxy (TRUSTED_PROXIES). Anonymous callers are limited per this address.
   */
  clientAddress: string;
  /** The operation operation.ts resolved and checked: the one Apollo and the gateway execute. */
  operation?: CheckedOperation;
  /** The operation's cost and the budgets it was charged to (limits/budgets.ts): `extensions.cost`. */
  cost?: CostReport;
  /**
   * Points the limit stages before execution took for this request (declared field limits), given
   * back when a later stage refuses it (limits/http.ts refundEarlierStages): a call that never ran
   * does not count against a per-field limit.
   */
  refunds?: (() => Promise<void>)[];
}

export interface ResponseMeta {
  request_id: string;
  trace_id: string;
  tenant_id: string | null;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACESTATE_MAX = 512;

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** W3C trace context: continue the caller's trace when its traceparent is valid, else start one. */
export function requestMetaFrom(headers: IncomingHttpHeaders): RequestMeta {
  const requestId = requestIdFrom(headers['x-request-id']);
  const m = TRACEPARENT.exec(single(headers.traceparent)?.trim().toLowerCase() ?? '');
  const valid = m && m[1] !== 'ff' && !/^0+$/.test(m[2]!) && !/^0+$/.test(m[3]!);
  const spanId = randomBytes(8).toString('hex');
  if (valid) {
    const tracestate = single(headers.tracestate);
    return {
      requestId,
      traceId: m[2]!,
      traceparent: `00-${m[2]}-${spanId}-${m[4]}`,
      ...(tracestate && tracestate.length <= TRACESTATE_MAX ? { tracestate } : {}),
    };
  }
  const traceId = randomBytes(16).toString('hex');
  return { requestId, traceId, traceparent: `00-${traceId}-${spanId}-00` };
}

export function responseMeta(meta: RequestMeta, caller?: Caller): ResponseMeta {
  return {
    request_id: meta.requestId,
    trace_id: meta.traceId,
    tenant_id: caller?.kind === 'user' ? caller.tenantId : null,
  };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const BUDGET = /^\d{1,9}(\.\d{1,6})?$/;

/** The client headers subgraphs act on, validated; a malformed one is the client's error (400). */
export function forwardedHeaders(
  headers: IncomingHttpHeaders,
): { ok: true; forward: Record<string, string> } | { ok: false; message: string } {
  const forward: Record<string, string> = {};
  const idem = single(headers['idempotency-key']);
  if (idem !== undefined) {
    if (!IDEMPOTENCY_KEY.test(idem))
      return { ok: false, message: 'Idempotency-Key must be 1-255 visible ASCII characters' };
    forward['idempotency-key'] = idem;
  }
  const budget = single(headers['x-budget-max-usd']);
  if (budget !== undefined) {
    if (!BUDGET.test(budget.trim()))
      return { ok: false, message: 'x-budget-max-usd must be a non-negative decimal amount' };
    forward['x-budget-max-usd'] = budget.trim();
  }
  return { ok: true, forward };
}
