// Internal credentials: each of the platform's own callers (a worker pool, a scheduler, a subgraph
// calling the supergraph) has its own key, with its own `internal:*` scopes. The router stores
// only a SHA-256 digest of each key (keys are 256 random bits, so a fast hash is enough: there is
// nothing to guess), one line per credential:
//
//   <id> sha256=<64 hex digits> scopes=<scope>[,<scope>...] [revoked]
//
// in INTERNAL_CREDENTIALS (lines separated by newlines or `;`). `npm run keys -- internal <id>
// --scopes ...` makes a key, prints it once and prints the line to store. A revoked credential
// (or a removed line) is refused like an unknown key.
//
// The credential id is what the caller is bound to downstream: the claims token carries it, the
// jobs subgraph binds a lease to it, and a client certificate maps to it by its subject CN.
import { ROUTER_CREDENTIAL_ID } from '@eventzr/lib/claims';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isInternalScope } from '@eventzr/lib/authz-check';

/** A credential id: also a certificate's subject CN and a label in logs and job events. */
export const CREDENTIAL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Keys this router makes: a prefix (so a leaked one is recognisable) and 32 random bytes. */
export const KEY_PREFIX = 'ezi_';
/** Longest presented key the router hashes at all. */
const MAX_KEY_LENGTH = 512;
/** The credential INTERNAL_API_KEY stands for (development and tests only). */
export const DEVELOPMENT_CREDENTIAL_ID = 'development';

export interface InternalCredential {
  id: string;
  /** SHA-256 of the key, hex. */
  sha256: string;
  scopes: string[];
  revoked: boolean;
}

export const keyDigest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** The stored form of a credential: never the key. */
export function credentialLine(c: InternalCredential): string {
  return `${c.id} sha256=${c.sha256} scopes=${c.scopes.join(',')}${c.revoked ? ' revoked' : ''}`;
}

export class CredentialConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialConfigError';
  }
}

/** Parses INTERNAL_CREDENTIALS; throws CredentialConfigError naming every bad line. */
export function parseCredentials(text: string | undefined): InternalCredential[] {
  const problems: string[] = [];
  const out: InternalCredential[] = [];
  const seen = new Set<string>();
  const digests = new Set<string>();
  const lines = (text ?? '')
    .split(/[;\n]/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  lines.forEach((line, i) => {
    const where = `credential ${i + 1}`;
    const [id, ...fields] = line.split(/\s+/);
    if (!id || !CREDENTIAL_ID.test(id)) {
      problems.push(`${where}: the id must match ${CREDENTIAL_ID.source}`);
      return;
    }
    if (id === ROUTER_CREDENTIAL_ID) {
      problems.push(`${where}: the id ${ROUTER_CREDENTIAL_ID} is the router's own (it calls subgraphs as itself)`);
      return;
    }
    let sha256: string | undefined;
    let scopes: string[] | undefined;
    let revoked = false;
    for (const f of fields) {
      if (f === 'revoked') revoked = true;
      else if (f.startsWith('sha256=')) sha256 = f.slice('sha256='.length).toLowerCase();
      else if (f.startsWith('scopes=')) scopes = f.slice('scopes='.length).split(',').filter(Boolean);
      else problems.push(`${where} (${id}): unknown field "${f.split('=')[0]}"`);
    }
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
      problems.push(`${where} (${id}): sha256=<64 hex digits> is required (the key's digest, never the key)`);
    if (!scopes || scopes.length === 0)
      problems.push(`${where} (${id}): scopes=internal:<area>.<action>,... is required`);
    for (const s of scopes ?? [])
      if (!isInternalScope(s))
        problems.push(`${where} (${id}): "${s}" is not an internal scope (internal:<area>.<action>)`);
    if (seen.has(id)) problems.push(`${where}: the id ${id} is listed twice`);
    if (sha256 && digests.has(sha256)) problems.push(`${where} (${id}): the same key digest is listed twice`);
    seen.add(id);
    if (sha256) digests.add(sha256);
    if (sha256 && scopes) out.push({ id, sha256, scopes: [...new Set(scopes)], revoked });
  });
  if (problems.length > 0) throw new CredentialConfigError(problems.join('; '));
  return out;
}

/** A new credential: the key (shown once) and the line to store. */
export function newCredential(id: string, scopes: readonly string[]): { key: string; credential: InternalCredential } {
  if (!CREDENTIAL_ID.test(id)) throw new CredentialConfigError(`the id must match ${CREDENTIAL_ID.source}`);
  if (scopes.length === 0) throw new CredentialConfigError('at least one scope is required');
  for (const s of scopes)
    if (!isInternalScope(s))
      throw new CredentialConfigError(`"${s}" is not an internal scope (internal:<area>.<action>)`);
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, credential: { id, sha256: keyDigest(key), scopes: [...new Set(scopes)], revoked: false } };
}

export type CredentialMatch =
  { ok: true; credential: InternalCredential } | { ok: false; reason: 'unknown internal key' | 'revoked internal key' };

export interface CredentialStore {
  /** The credential a presented key belongs to. */
  match(presented: string): CredentialMatch;
  /** Whether any internal caller can authenticate at all. */
  readonly enabled: boolean;
  readonly size: number;
}

/**
 * The credentials the router accepts: the configured ones, plus (development and tests only) the
 * INTERNAL_API_KEY credential holding `developmentScopes` (every internal scope the supergraph asks).
 */
export function credentialStore(
  credentials: readonly InternalCredential[],
  development?: { key: string; scopes: readonly string[] },
): CredentialStore {
  const all = [...credentials];
  if (development) {
    if (all.some((c) => c.id === DEVELOPMENT_CREDENTIAL_ID))
      throw new CredentialConfigError(`the id ${DEVELOPMENT_CREDENTIAL_ID} is INTERNAL_API_KEY's`);
    all.push({
      id: DEVELOPMENT_CREDENTIAL_ID,
      sha256: keyDigest(development.key),
      scopes: [...development.scopes],
      revoked: false,
    });
  }
  const byDigest = new Map(all.map((c) => [c.sha256, c]));
  return {
    enabled: all.some((c) => !c.revoked),
    size: all.length,
    match(presented) {
      if (presented.length === 0 || presented.length > MAX_KEY_LENGTH)
        return { ok: false, reason: 'unknown internal key' };
      const digest = keyDigest(presented);
      const found = byDigest.get(digest);
      // The map found it by the digest; the constant-time comparison keeps the final check honest.
      if (!found || !timingSafeEqual(Buffer.from(found.sha256, 'hex'), Buffer.from(digest, 'hex')))
        return { ok: false, reason: 'unknown internal key' };
      if (found.revoked) return { ok: false, reason: 'revoked internal key' };
      return { ok: true, credential: found };
    },
  };
}

/** Every internal scope a supergraph's fields ask for (what the development credential holds). */
export function internalScopesOf(security: ReadonlyMap<string, { scopes: string[][][] }>): string[] {
  const scopes = new Set<string>();
  for (const req of security.values())
    for (const alts of req.scopes) for (const all of alts) for (const s of all) if (isInternalScope(s)) scopes.add(s);
  return [...scopes].sort();
}
