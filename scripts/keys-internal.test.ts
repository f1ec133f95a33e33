// `npm run keys -- internal`: the key is printed once, the stored line holds only its digest, and
// the router accepts the key through that line.
import { describe, expect, it } from 'vitest';
import { credentialStore, keyDigest, parseCredentials } from '../router/src/auth/credentials.ts';
import { internalKey } from './keys-internal.ts';

describe('npm run keys -- internal', () => {
  it('prints a key and a stored line that holds its digest, never the key', () => {
    const out = internalKey(['pool-eu-1', '--scopes', 'internal:jobs.worker']);
    expect(out.warnings).toEqual([]);
    expect(out.line).toBe(`pool-eu-1 sha256=${keyDigest(out.key)} scopes=internal:jobs.worker`);
    expect(out.line).not.toContain(out.key);
    expect(out.line).not.toContain(out.key.replace(/^ezi_/, ''));
    const store = credentialStore(parseCredentials(out.line));
    expect(store.match(out.key)).toMatchObject({ ok: true, credential: { id: 'pool-eu-1' } });
    // Each run makes a new key.
    expect(internalKey(['pool-eu-1', '--scopes', 'internal:jobs.worker']).key).not.toBe(out.key);
  });

  it('warns about a scope no field of the supergraph asks for; refuses bad arguments', () => {
    expect(internalKey(['p', '--scopes', 'internal:nothing.here']).warnings).toEqual([
      expect.stringMatching(/no field of the supergraph asks for internal:nothing\.here/),
    ]);
    expect(() => internalKey(['p'])).toThrow(/usage/);
    expect(() => internalKey(['p', '--scopes', 'jobs:read'])).toThrow(/not an internal scope/);
    expect(() => internalKey(['Not An Id', '--scopes', 'internal:jobs.worker'])).toThrow(/id must match/);
  });
});
