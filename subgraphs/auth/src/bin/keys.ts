// `npm run auth:keys -- <status|publish|activate|prune|rotate> [--json]`: the auth signing keys'
// rotation, step by step or all at once (services/signing-keys.ts says what each step does).
// Connects as the signer role (DATABASE_SIGNER_URL) on Postgres; on the embedded PGlite it opens
// DATA_DIR/auth, which only one process may hold: run it while the auth subgraph is stopped.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readConfig } from '@eventzr/lib/config';
import { openDatabase, openRoleDatabase, type Database, type RoleDatabase } from '@eventzr/lib/db';
import { keyConfigFromEnv, keysCommandEnv } from '../config.ts';
import { SIGNER_ROLE } from '../db/schema.ts';
import {
  activateNextKey,
  keyStatus,
  pruneRetiredKeys,
  publishNextKey,
  rotateKeys,
  RotationError,
  type KeySettings,
  type RotationStatus,
} from '../services/signing-keys.ts';

const USAGE = 'usage: npm run auth:keys -- <status|publish|activate|prune|rotate> [--json]';
export const KEY_COMMANDS = ['status', 'publish', 'activate', 'prune', 'rotate'] as const;
export type KeyCommand = (typeof KEY_COMMANDS)[number];

/** One command against an open signer connection; what it prints, line by line. */
export async function runKeyCommand(
  command: KeyCommand,
  signer: RoleDatabase,
  settings: KeySettings,
  opts: { json?: boolean; log?: (line: string) => void; sleep?: (ms: number) => Promise<void> } = {},
): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const show = (status: RotationStatus) => {
    if (opts.json) return log(JSON.stringify(status));
    log(`database time ${status.now.toISOString()}`);
    for (const k of status.keys) {
      const when =
        k.state === 'next'
          ? `published ${k.createdAt.toISOString()}, may sign from ${k.activatableAt!.toISOString()}`
          : k.state === 'active'
            ? `signing since ${k.activatedAt!.toISOString()}`
            : `retired ${k.retiredAt!.toISOString()}, ${k.inJwks ? 'in the JWKS until' : 'left the JWKS at'} ${k.leavesJwksAt!.toISOString()}`;
      log(`${k.state.padEnd(7)} ${k.kid}  ${when}`);
    }
  };
  switch (command) {
    case 'status':
      return show(await keyStatus(signer, settings));
    case 'publish': {
      const p = await publishNextKey(signer, settings);
      log(
        `${p.created ? 'published' : 'already published'} ${p.kid}: in the JWKS now, ` +
          `\`activate\` from ${p.activatableAt.toISOString()}`,
      );
      return;
    }
    case 'activate': {
      const a = await activateNextKey(signer, settings);
      log(
        `activated ${a.kid}` +
          (a.retired ? `; retired ${a.retired}, in the JWKS until ${a.leavesJwksAt!.toISOString()}` : ''),
      );
      return;
    }
    case 'prune': {
      const kids = await pruneRetiredKeys(signer, settings);
      log(kids.length > 0 ? `deleted ${kids.join(', ')}` : 'nothing to delete');
      return;
    }
    case 'rotate':
      await rotateKeys(signer, settings, { log, ...(opts.sleep ? { sleep: opts.sleep } : {}) });
      return show(await keyStatus(signer, settings));
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const rest = args.filter((a) => a !== '--json');
  const command = rest[0] as KeyCommand | undefined;
  if (rest.length !== 1 || !command || !KEY_COMMANDS.includes(command)) {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const env = readConfig(keysCommandEnv);
  const config = keyConfigFromEnv(env);
  // Postgres: the signer's login alone. PGlite: the embedded database (migrated, as at start).
  let database: Database | undefined;
  if (!env.DATABASE_URL)
    database = await openDatabase({
      name: 'auth',
      migrationsFolder: fileURLToPath(new URL('../../drizzle', import.meta.url)),
      dataDir: env.DATA_DIR,
    });
  try {
    const signer = await openRoleDatabase(SIGNER_ROLE, config.signerUrl, database);
    try {
      await runKeyCommand(command, signer, config.signingKeys, { json });
    } finally {
      await signer.close();
    }
  } finally {
    await database?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof RotationError ? `${err.code}: ${err.message}` : (err as Error).message);
    process.exitCode = 1;
  });
}
