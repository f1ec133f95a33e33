// `npm run keys -- internal <id> --scopes internal:<area>.<action>[,...]`: a new internal
// credential for one caller (a worker pool, a scheduler, a subgraph calling the supergraph). Prints
// the key once (give it to that caller, as x-internal-api-key) and the line to add to the router's
// INTERNAL_CREDENTIALS, which holds only the key's SHA-256 digest. Nothing is written anywhere:
// the key is shown here and nowhere else. Revoke a credential by appending ` revoked` to its line
// (or removing the line); rotate by making a second credential, moving the caller, revoking the first.
import { parseArgs } from 'node:util';
import { dirname } from 'node:path';
import { composedPaths, DEFAULT_REGISTRY_PATH } from '../lib/src/registry.ts';
import { credentialLine, internalScopesOf, newCredential } from '../router/src/auth/credentials.ts';
import { loadSupergraph, readSupergraphFile } from '../router/src/supergraph.ts';

export const INTERNAL_USAGE =
  'usage: npm run keys -- internal <id> --scopes internal:<area>.<action>[,...]   (e.g. internal pool-eu-1 --scopes internal:jobs.worker)';

/** Every internal scope the committed supergraph asks (to warn about a scope nothing asks). */
function knownScopes(): string[] | undefined {
  try {
    return internalScopesOf(
      loadSupergraph(readSupergraphFile(composedPaths({ outDir: dirname(DEFAULT_REGISTRY_PATH) }).supergraph), {})
        .security,
    );
  } catch {
    return undefined;
  }
}

export interface InternalKeyOutput {
  key: string;
  line: string;
  warnings: string[];
}

/** Makes the credential `args` describe (throws with the usage on bad arguments). */
export function internalKey(args: readonly string[]): InternalKeyOutput {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { scopes: { type: 'string' } },
    allowPositionals: true,
  });
  const [id, ...rest] = positionals;
  if (!id || rest.length > 0 || !values.scopes) throw new Error(INTERNAL_USAGE);
  const scopes = values.scopes
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const { key, credential } = newCredential(id, scopes);
  const known = knownScopes();
  const warnings = known
    ? scopes
        .filter((s) => !known.includes(s))
        .map((s) => `no field of the supergraph asks for ${s} (known: ${known.join(', ')})`)
    : [];
  return { key, line: credentialLine(credential), warnings };
}

export function runInternalKeys(args: readonly string[]): void {
  const out = internalKey(args);
  for (const w of out.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(
    [
      `Key (shown once: hand it to the caller as its x-internal-api-key, store it in its secret store):`,
      `  ${out.key}`,
      `Add this line to the router's INTERNAL_CREDENTIALS (lines separated by newlines or ';'):`,
      `  ${out.line}`,
      '',
    ].join('\n'),
  );
}
