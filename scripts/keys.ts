// `npm run keys`: a fresh Ed25519 key pair for the router's claims tokens, as .env lines:
//   ROUTER_CLAIMS_PRIVATE_KEY  the router signs with it (only the router gets it)
//   ROUTER_CLAIMS_PUBLIC_KEY   every subgraph verifies with it (it cannot sign)
// A shared HS256 secret (ROUTER_CLAIMS_SECRET) is refused when NODE_ENV=production: anything that
// can verify with it can also mint tokens for every other subgraph.
//
//   npm run keys                          print the two lines (npm run --silent keys >> .env)
//   npm run keys -- --write .env          write them into that file, keeping every other line;
//                                         refuses to replace a pair already there unless --force
//                                         (a rotation: restart the router and the subgraphs together)
//
// PEM newlines are written as \n inside single quotes, which docker compose, Node's --env-file and
// a shell's `source` all take literally; lib/src/config.ts (pem) restores them.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

export const KEY_VARIABLES = ['ROUTER_CLAIMS_PRIVATE_KEY', 'ROUTER_CLAIMS_PUBLIC_KEY'] as const;
type KeyVariable = (typeof KEY_VARIABLES)[number];
export type ClaimsKeyPair = Record<KeyVariable, string>;

/** A new Ed25519 pair as PEM (PKCS#8 private, SPKI public). */
export async function generateClaimsKeyPair(): Promise<ClaimsKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  return {
    ROUTER_CLAIMS_PRIVATE_KEY: await exportPKCS8(privateKey),
    ROUTER_CLAIMS_PUBLIC_KEY: await exportSPKI(publicKey),
  };
}

/** One .env line: the PEM on one line, newlines as \n, single-quoted (taken literally). */
export function envLine(name: KeyVariable, pem: string): string {
  return `${name}='${pem.trim().replace(/\r?\n/g, '\\n')}'`;
}

export const envLines = (pair: ClaimsKeyPair): string[] => KEY_VARIABLES.map((name) => envLine(name, pair[name]));

/** An assignment of `name` in a .env line, and whether it holds a value (not just a placeholder comment). */
function assignment(line: string, name: string): { value: boolean } | undefined {
  const m = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=(.*)$`).exec(line);
  if (!m) return undefined;
  const rest = m[1]!.trim();
  return { value: rest !== '' && !rest.startsWith('#') && rest !== "''" && rest !== '""' };
}

export class KeysError extends Error {}

/**
 * `text` (a .env file) with the pair set: an assignment already there is replaced in place (only
 * with `force` when it holds a key), a missing one appended; every other line stays as it was.
 */
export function mergeIntoEnvFile(text: string, pair: ClaimsKeyPair, opts: { force?: boolean } = {}): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const held = KEY_VARIABLES.filter((name) => lines.some((l) => assignment(l, name)?.value));
  if (held.length > 0 && !opts.force)
    throw new KeysError(
      `${held.join(' and ')} already set; --force replaces the pair (restart the router and every subgraph together)`,
    );
  for (const name of KEY_VARIABLES) {
    const line = envLine(name, pair[name]);
    const at = lines.findIndex((l) => assignment(l, name));
    if (at === -1) lines.push(line);
    else {
      lines[at] = line;
      // A second assignment of the same variable would win in some readers: drop it.
      for (let i = lines.length - 1; i > at; i--) if (assignment(lines[i]!, name)) lines.splice(i, 1);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Whether a .env text still assigns the shared HS256 secret (production refuses it). */
export const assignsSharedSecret = (text: string): boolean =>
  text.split('\n').some((l) => assignment(l, 'ROUTER_CLAIMS_SECRET')?.value);

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { envFile?: string; force: boolean } {
  const opts: { envFile?: string; force: boolean } = { force: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // (Not --env-file: Node 20 reads that option anywhere on its command line, the script's included.)
    if (arg === '--force') opts.force = true;
    else if (arg === '--write') {
      const file = argv[++i];
      if (!file || file.startsWith('--')) throw new UsageError('--write needs a file');
      opts.envFile = resolve(file);
    } else throw new UsageError(`unknown option ${arg} (known: --write FILE, --force)`);
  }
  if (opts.force && !opts.envFile) throw new UsageError('--force goes with --write');
  return opts;
}

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseArgs(argv);
  const pair = await generateClaimsKeyPair();
  if (!opts.envFile) {
    console.log(envLines(pair).join('\n'));
    return 0;
  }
  const exists = existsSync(opts.envFile);
  const before = exists ? readFileSync(opts.envFile, 'utf8') : '';
  writeFileSync(opts.envFile, mergeIntoEnvFile(before, pair, { force: opts.force }), { mode: 0o600 });
  if (!exists) chmodSync(opts.envFile, 0o600);
  console.error(`keys: ${KEY_VARIABLES.join(' and ')} ${exists ? 'set in' : 'written to'} ${opts.envFile}`);
  if (assignsSharedSecret(before))
    console.error('keys: that file also sets ROUTER_CLAIMS_SECRET, which NODE_ENV=production refuses: remove it');
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`keys: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
