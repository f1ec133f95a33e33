// Idempotency-Key on mutations, at the router (the seeds' header; semantics of the IETF httpapi
// Idempotency-Key draft and of Stripe's API). The router is the authority: a mutation sent again
// with the same key by the same caller gets the saved answer, and no subgraph is called.
//
// Per request, on the operation Apollo resolved (the one the gateway executes):
//   - not a mutation, no key, or an anonymous caller: the key is ignored (it is still forwarded
//     to the subgraphs, which may use it too).
//   - responseForOperation (after every router check passed, before the gateway plans): claim
//     the key with an in-flight record (setIfAbsent, lifetime = the lease). Claimed: execute.
//     Held by a record with another fingerprint: 422 CONFLICT. Held in flight: 409 CONFLICT
//     (Retry-After: 1). Held by a saved response: that response, `Idempotent-Replayed: true`.
//   - willSendResponse: save the response (replaceIf the in-flight record still is ours,
//     lifetime = IDEMPOTENCY_TTL_SECONDS) when it is a definite answer (savable()), else release
//     the key (deleteIf ours) so the client can retry. A late finisher whose lease expired and
//     whose key another request took touches nothing.
//
// The key is scoped to its caller (user: issuer + tenant + user; internal: its credential, not its self-given service label), so one
// caller's key never reaches another's response, and the fingerprint is a SHA-256 of the
// operation text, the operation name and the canonical variables (lib/claims operationHash).
import { createHash, randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse } from '@apollo/server';
import type { FormattedExecutionResult } from 'graphql';
import { operationHash, type Caller } from '@eventzr/lib/claims';
import { ErrorCode } from '@eventzr/lib/errors';
import type { Logger } from '@eventzr/lib/logger';
import type { SharedStore } from '@eventzr/lib/store';
import type { RouterContext } from './context.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotencyOptions {
  store: SharedStore;
  /** How long a saved response is replayed. */
  ttlMs: number;
  /** How long an in-flight record holds the key (a router that dies mid-flight frees it after this). */
  leaseMs: number;
  log: Logger;
}

type Running = { s: 'running'; f: string; t: string };
type Saved = { s: 'saved'; f: string; status: number; body: string };
type IdemRecord = Running | Saved;

/** Whose keys these are; undefined: the caller has no key space (anonymous callers). */
export function callerScope(caller: Caller): string | undefined {
  switch (caller.kind) {
    case 'user':
      return `user\n${caller.issuer}\n${caller.tenantId}\n${caller.userId}`;
    case 'internal':
      return `internal\n${caller.credentialId}`;
    default:
      return undefined;
  }
}

/** The store key of a caller's Idempotency-Key: hashed, so neither part can shape another's key. */
export function idempotencyStoreKey(scope: string, key: string): string {
  return `idem:${createHash('sha256').update(scope).update('\0').update(key).digest('base64url')}`;
}

/** What makes two requests "the same request": the operation text, its name and its variables. */
export function requestFingerprint(query: string, operationName: string | null | undefined, variables: unknown) {
  return operationHash(`${operationName ?? ''}\n${query}`, variables ?? {});
}

/**
 * Codes that answer the request itself, which a retry of the same input gets again: saved. Every
 * other error (UNAUTHENTICATED, FORBIDDEN, RATE_LIMITED, QUOTA_EXCEEDED, INSUFFICIENT_CREDITS,
 * BUDGET_EXCEEDED, INTERNAL_SERVER_ERROR, validation...) is one the caller may fix or wait out.
 */
const DEFINITE_CODES = new Set<string>([ErrorCode.BAD_USER_INPUT, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT]);

/**
 * Whether a mutation's response is saved for replay:
 *  - no `data` entry at all: execution never began (variables that do not coerce, a request
 *    error): not saved;
 *  - some root field returned data: an effect happened, so the answer is saved whatever the
 *    other errors say (running it again would repeat that effect);
 *  - otherwise (data null), when the status is below 500 and every error (if any) has a
 *    definite code.
 * Not saved (the key is released): 5xx, 401/403/429-style refusals, outages, rate and quota
 * limits, anything without a code.
 */
export function savable(status: number, result: FormattedExecutionResult): boolean {
  const data = result.data;
  if (data === undefined) return false;
  if (data && Object.values(data).some((v) => v !== null && v !== undefined)) return true;
  if (status >= 500) return false;
  return (result.errors ?? []).every((e) => DEFINITE_CODES.has(String(e.extensions?.code)));
}

function parseRecord(raw: string): IdemRecord | undefined {
  try {
    const r = JSON.parse(raw) as Partial<IdemRecord>;
    if (typeof r.f !== 'string') return undefined;
    if (r.s === 'running' && typeof r.t === 'string') return r as Running;
    if (r.s === 'saved' && typeof r.status === 'number' && typeof r.body === 'string') return r as Saved;
  } catch {
    // not ours: treated as held (see below)
  }
  return undefined;
}

function errorResponse(status: number, code: string, message: string, headers: [string, string][] = []) {
  return {
    http: { status, headers: new HeaderMap(headers) },
    body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } },
  } satisfies GraphQLResponse;
}

// Factories: responseFinishing stamps each answer's meta onto it.
const differentInput = () =>
  errorResponse(
    422,
    ErrorCode.CONFLICT,
    'This Idempotency-Key was used for a different request (operation or variables); use a new key',
  );
const inFlight = () =>
  errorResponse(409, ErrorCode.CONFLICT, 'A request with this Idempotency-Key is still being processed; retry later', [
    ['retry-after', '1'],
  ]);
const unavailable = () =>
  errorResponse(503, ErrorCode.SERVICE_UNAVAILABLE, 'Idempotency-Key records are unavailable; retry later', [
    ['retry-after', '1'],
  ]);

/**
 * The Apollo Server plugin. It must come after responseFinishing in the plugin list: a replay
 * restores the saved body after responseFinishing has stamped this request's meta on it.
 */
export function idempotencyPlugin(opts: IdempotencyOptions): ApolloServerPlugin<RouterContext> {
  const { store, ttlMs, leaseMs, log } = opts;
  return {
    async requestDidStart() {
      let claim: { storeKey: string; value: string; fingerprint: string } | undefined;
      let replay: string | undefined;
      return {
        async responseForOperation({ operation, operationName, source, request, contextValue }) {
          const key = contextValue.forward[IDEMPOTENCY_HEADER];
          if (key === undefined || operation.operation !== 'mutation') return null;
          const scope = callerScope(contextValue.caller);
          if (scope === undefined) return null;
          const storeKey = idempotencyStoreKey(scope, key);
          const fingerprint = requestFingerprint(source, operationName, request.variables);
          const value = JSON.stringify({ s: 'running', f: fingerprint, t: randomUUID() } satisfies Running);
          try {
            // Two rounds: a record can expire (or be released) between setIfAbsent and get.
            for (let round = 0; round < 2; round++) {
              if (await store.setIfAbsent(storeKey, value, leaseMs)) {
                claim = { storeKey, value, fingerprint };
                return null;
              }
              const raw = await store.get(storeKey);
              if (raw === undefined) continue;
              const held = parseRecord(raw);
              if (!held) return inFlight();
              if (held.f !== fingerprint) return differentInput();
              if (held.s === 'running') return inFlight();
              replay = held.body;
              return {
                http: { status: held.status, headers: new HeaderMap([[REPLAYED_HEADER, 'true']]) },
                body: { kind: 'single', singleResult: JSON.parse(held.body) as FormattedExecutionResult },
              };
            }
            return inFlight();
          } catch (err) {
            log.error({ err, requestId: contextValue.requestId }, 'Idempotency-Key store unavailable');
            return unavailable();
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (replay !== undefined) {
            // Byte for byte what the first request answered (its meta names the request that ran).
            if (response.body.kind === 'single')
              response.body.singleResult = JSON.parse(replay) as FormattedExecutionResult;
            return;
          }
          if (!claim) return;
          const { storeKey, value, fingerprint } = claim;
          claim = undefined;
          const status = response.http.status ?? 200;
          try {
            if (response.body.kind === 'single' && savable(status, response.body.singleResult)) {
              const saved: Saved = {
                s: 'saved',
                f: fingerprint,
                status,
                body: JSON.stringify(response.body.singleResult),
              };
              if (!(await store.replaceIf(storeKey, value, JSON.stringify(saved), ttlMs)))
                log.warn(
                  { requestId: contextValue.requestId },
                  'Idempotency-Key lease ran out before the response was saved; another request may have run',
                );
            } else {
              await store.deleteIf(storeKey, value);
            }
          } catch (err) {
            // The lease frees the key when it runs out.
            log.error({ err, requestId: contextValue.requestId }, 'Idempotency-Key record not written');
          }
        },
      };
    },
  };
}
