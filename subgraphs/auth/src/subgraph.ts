// The auth subgraph: tenants, users, sign-in and tokens. Its resolvers are built once the database
// is open, because they sign with the installation's key set, read (or on first start made) there
// through the signer role's own connection, and read again every SIGNING_KEYS_CACHE_SECONDS so a
// rotation (`npm run auth:keys`) reaches every process without a restart.
import type { Express } from 'express';
import { sql } from 'drizzle-orm';
import { openRoleDatabase, type Database } from '@eventzr/lib/db';
import type { Logger } from '@eventzr/lib/logger';
import { defineSubgraph } from '@eventzr/lib/subgraph';
import { authConfigFromEnv, env } from './config.ts';
import { SIGNER_ROLE } from './db/schema.ts';
import { createLoaders } from './loaders.ts';
import { permissions } from './permissions.ts';
import { createResolvers } from './resolvers/index.ts';
import { seedDevData } from './seed.ts';
import { resetSender } from './services/resets.ts';
import { createKeyStore, type KeyStore } from './services/signing-keys.ts';
import { createTokenIssuer } from './services/tokens.ts';

export const JWKS_PATH = '/.well-known/jwks.json';

/** Public keys only, read fresh (the key store's cache); verifiers re-fetch on an unknown kid. */
function jwksRoute(keys: KeyStore, cacheSeconds: number, log: Logger) {
  return (app: Express) => {
    app.get(JWKS_PATH, (_req, res) => {
      keys.current().then(
        ({ jwks }) => {
          // No cache in front may keep it longer than this process does.
          res.setHeader('Cache-Control', `public, max-age=${cacheSeconds}`);
          res.type('application/jwk-set+json').send(JSON.stringify(jwks));
        },
        (err: unknown) => {
          log.error({ err }, 'signing keys unavailable');
          res.status(503).setHeader('Retry-After', String(cacheSeconds));
          res.json({ error: 'signing keys unavailable' });
        },
      );
    });
  };
}

/** Refuses to serve when the request role could read a private key (a grant made by hand, a membership). */
async function assertKeysOutOfReach(database: Database): Promise<void> {
  const [row] = (
    (await database.run({ settings: {} }, (tx) =>
      tx.execute(sql`select has_column_privilege('signing_keys', 'private_key', 'SELECT') as readable`),
    )) as unknown as { rows: { readable: boolean }[] }
  ).rows;
  if (row?.readable !== false)
    throw new Error(
      'Refusing to start: the application role may select signing_keys.private_key; only the signer role ' +
        `(${SIGNER_ROLE}) may. Revoke the grant (npm run db:generate's security migration states the intended ones).`,
    );
}

export const subgraph = defineSubgraph({
  name: 'auth',
  moduleUrl: import.meta.url,
  env,
  permissions,
  createLoaders,
  async build({ env, database, log }) {
    const config = authConfigFromEnv(env);
    await assertKeysOutOfReach(database);
    const signer = await openRoleDatabase(SIGNER_ROLE, config.signerUrl, database, { log });
    try {
      const keys = createKeyStore(signer, config.signingKeys, {
        onStale: (err) => log.warn({ err }, 'signing keys could not be read: serving the previous set'),
      });
      // The first read makes the first key on a fresh installation, before anything is served.
      await keys.refresh();
      const issuer = createTokenIssuer(keys, {
        issuer: config.issuer,
        audience: config.audience,
        ttlSeconds: config.accessTokenTtlSeconds,
      });
      return {
        resolvers: createResolvers({ database, issuer, config }),
        routes: jwksRoute(keys, config.signingKeys.cacheSeconds, log),
        issuer,
        keys,
        close: () => signer.close(),
      };
    } catch (err) {
      await signer.close();
      throw err;
    }
  },
  seed: ({ database }) => seedDevData(database),
  // requestPasswordReset only queues: this issues and delivers the tokens, off the request path.
  background: [resetSender],
});
