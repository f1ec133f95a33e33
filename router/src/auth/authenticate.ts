// Who is calling: a verified user token, one of the platform's internal credentials (its own key,
// see credentials.ts), or nobody. Runs before GraphQL; a failure here is answered at once
// (401/403/503) and no subgraph is ever called.
import type { IncomingHttpHeaders } from 'node:http';
import { ANONYMOUS, type Caller, type InternalCaller } from '@eventzr/lib/claims';
import { DEV_AUTH_USER, devUserCaller } from '@eventzr/lib/dev-seed';
import type { CredentialStore } from './credentials.ts';
import { TokenError, type TokenVerifier } from './tokens.ts';

export const INTERNAL_KEY_HEADERS = ['x-internal-api-key', 'x-api-key'] as const;
/** An optional label an internal caller gives itself (logs, audit); it grants nothing. */
const SERVICE_LABEL = /^[A-Za-z0-9_.-]{1,64}$/;

export type Authentication =
  { ok: true; caller: Caller } | { ok: false; status: 401 | 403 | 503; code: string; message: string; reason: string };

/** The identity an anonymous request takes under DEVELOPMENT_AUTH_ENABLED (never in production). */
export function developmentCaller(): Caller {
  return devUserCaller(DEV_AUTH_USER, 'development-auth');
}

export interface Authenticator {
  authenticate(headers: IncomingHttpHeaders): Promise<Authentication>;
}

const single = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

const refuse = (reason: string, message = 'Invalid authentication credentials'): Authentication => ({
  ok: false,
  status: 401,
  code: 'UNAUTHENTICATED',
  message,
  reason,
});

export function createAuthenticator(deps: {
  tokens: TokenVerifier;
  /** The internal credentials accepted (none: internal access disabled). */
  credentials: CredentialStore;
  developmentAuth: boolean;
}): Authenticator {
  const devCaller = deps.developmentAuth ? developmentCaller() : undefined;

  return {
    async authenticate(headers) {
      const authorization = single(headers.authorization);
      const keys = INTERNAL_KEY_HEADERS.map((h) => single(headers[h])).filter((v): v is string => v !== undefined);

      if (keys.length > 0) {
        // Two kinds of credential in one request is ambiguous: which identity should win? Neither.
        if (authorization !== undefined)
          return refuse(
            'both a bearer token and an internal key',
            'Send either a bearer token or an internal API key, not both',
          );
        if (keys.length > 1 && keys[0] !== keys[1]) return refuse('two different internal keys');
        if (!deps.credentials.enabled) return refuse('internal access disabled');
        // Unknown and revoked keys get the same answer; the log says which.
        const match = deps.credentials.match(keys[0]!);
        if (!match.ok) return refuse(match.reason);
        const label = single(headers['x-internal-service']);
        const caller: InternalCaller = {
          kind: 'internal',
          service: label && SERVICE_LABEL.test(label) ? label : match.credential.id,
          credentialId: match.credential.id,
          scopes: [...match.credential.scopes],
        };
        return { ok: true, caller };
      }

      let caller: Caller;
      if (authorization !== undefined) {
        const m = /^Bearer +([^\s]+) *$/i.exec(authorization);
        if (!m) return refuse('not a bearer token');
        try {
          caller = await deps.tokens.verify(m[1]!);
        } catch (err) {
          if (!(err instanceof TokenError)) throw err;
          if (err.failure === 'unavailable')
            return {
              ok: false,
              status: 503,
              code: 'SERVICE_UNAVAILABLE',
              message: 'Authentication is temporarily unavailable; retry shortly',
              reason: err.reason,
            };
          return refuse(err.reason, err.failure === 'expired' ? 'Authentication token has expired' : undefined);
        }
      } else {
        caller = devCaller ?? ANONYMOUS;
      }

      const tenantHeader = single(headers['x-tenant-id']);
      if (
        caller.kind === 'user' &&
        tenantHeader !== undefined &&
        tenantHeader.trim().toLowerCase() !== caller.tenantId.toLowerCase()
      )
        return {
          ok: false,
          status: 403,
          code: 'FORBIDDEN',
          message: "x-tenant-id does not match the token's tenant",
          reason: 'tenant mismatch',
        };
      return { ok: true, caller };
    },
  };
}
