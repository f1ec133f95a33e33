// The router's own TLS: HTTPS when ROUTER_TLS_CERT/KEY are set, and, with ROUTER_MTLS_CA, client
// certificates for the internal callers seed 001 asks them of (the worker protocol: "mTLS +
// internal"). Every client may connect (web apps have no certificate): the handshake asks for a
// certificate and records whether the configured CA verified it; layer 1 then refuses an
// operation needing ROUTER_MTLS_SCOPES unless a verified certificate names the caller's credential
// (subject CN = credential id). A certificate from another CA is no certificate.
import type { ServerOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { GraphQLError } from 'graphql';
import type { Caller } from '@eventzr/lib/claims';
import { forbidden } from '@eventzr/lib/errors';
import type { RouterEnv } from './config.ts';

export type TlsSettings = Pick<
  RouterEnv,
  'ROUTER_TLS_CERT' | 'ROUTER_TLS_KEY' | 'ROUTER_MTLS_CA' | 'ROUTER_MTLS_SCOPES'
>;

/** The HTTPS server options, or undefined: plain HTTP. */
export function tlsServerOptions(config: TlsSettings): ServerOptions | undefined {
  if (!config.ROUTER_TLS_CERT || !config.ROUTER_TLS_KEY) return undefined;
  return {
    cert: config.ROUTER_TLS_CERT,
    key: config.ROUTER_TLS_KEY,
    minVersion: 'TLSv1.2',
    ...(config.ROUTER_MTLS_CA ? { ca: config.ROUTER_MTLS_CA, requestCert: true, rejectUnauthorized: false } : {}),
  };
}

/** Which fields need a client certificate (undefined: mTLS is not configured). */
export interface MtlsPolicy {
  scopes: ReadonlySet<string>;
}

export function mtlsPolicy(config: TlsSettings): MtlsPolicy | undefined {
  return config.ROUTER_MTLS_CA && config.ROUTER_TLS_CERT ? { scopes: new Set(config.ROUTER_MTLS_SCOPES) } : undefined;
}

/** A client certificate the configured CA verified during the handshake. */
export interface ClientCertificate {
  /** The subject's common name: the internal credential id it stands for. */
  subject: string;
  fingerprint256: string;
}

/** The request's verified client certificate, if its connection presented one the CA verified. */
export function verifiedClientCertificate(req: IncomingMessage): ClientCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function')
    return undefined;
  const cert = socket.getPeerCertificate();
  const cn = cert?.subject?.CN;
  const subject = Array.isArray(cn) ? undefined : cn;
  if (!subject) return undefined;
  return { subject, fingerprint256: cert.fingerprint256 };
}

/**
 * Why an operation needing `scopes` may not run for `caller` over this connection, or undefined.
 * Only internal callers hold the internal scopes mTLS protects; a user or anonymous caller is
 * refused by the scope check anyway.
 */
export function mtlsRefusal(
  policy: MtlsPolicy | undefined,
  scopes: readonly string[][][],
  caller: Caller,
  certificate: ClientCertificate | undefined,
): GraphQLError | undefined {
  if (!policy || caller.kind !== 'internal') return undefined;
  if (!scopes.some((alts) => alts.some((all) => all.some((s) => policy.scopes.has(s))))) return undefined;
  if (!certificate) return forbidden('This operation needs a client certificate issued by the platform CA (mTLS)');
  if (certificate.subject !== caller.credentialId)
    return forbidden("The client certificate does not belong to the request's internal credential");
  return undefined;
}
