// `npm start`: the whole supergraph on the embedded default. Starts every subgraph of the
// registry (schema/supergraph.yaml; each migrates and seeds its own PGlite database under .data/
// and runs its background tasks) and then the router, waits for each to be ready, and prints the
// Sandbox URL with a working login. Ctrl-C stops everything; a second start keeps the data (and
// the keys) in .data/.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { inheritedEnv, readConfig } from '../lib/src/config.ts';
import { DEV_PASSWORD, DEV_USERS } from '../lib/src/dev-seed.ts';
import { registeredOperation } from '../lib/src/operations.ts';
import { readRegistry, ROOT, subgraphVariable } from '../lib/src/registry.ts';
import { launcherEnvSchema } from './launcher-config.ts';

const env = readConfig(launcherEnvSchema);
const registry = readRegistry();
const dataDir = resolve(ROOT, env.DATA_DIR);

interface LocalSecrets {
  claimsPrivateKey: string;
  claimsPublicKey: string;
  internalApiKey: string;
}

/** Keys made once per installation and kept with the data, so restarts keep working tokens. */
async function localSecrets(): Promise<LocalSecrets> {
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  const secrets: LocalSecrets = {
    claimsPrivateKey: await exportPKCS8(privateKey),
    claimsPublicKey: await exportSPKI(publicKey),
    internalApiKey: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, entry: string, extraEnv: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...inheritedEnv(), NODE_ENV: env.NODE_ENV, LOG_LEVEL: env.LOG_LEVEL, DATA_DIR: dataDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => {
      // Children log JSON (pino); show the message, keep anything else as it is.
      try {
        const rec = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        const lvl = (rec.level ?? 30) >= 50 ? 'ERROR ' : (rec.level ?? 30) >= 40 ? 'WARN ' : '';
        console.log(`[${name}] ${lvl}${rec.msg ?? ''}${rec.err?.message ? `: ${rec.err.message}` : ''}`);
      } catch {
        console.log(`[${name}] ${line}`);
      }
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
      void stopAll(1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(name: string, url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000}s (${url})`);
}

async function stopAll(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          c.once('exit', () => done());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function main() {
  const unknown = Object.keys(env.SUBGRAPH_PORTS).filter((n) => !registry.subgraphs.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new Error(`${unknown.map((n) => subgraphVariable(n, 'PORT')).join(', ')}: no such subgraph in the registry`);
  const secrets = await localSecrets();
  const ports = new Map(registry.subgraphs.map((s) => [s.name, env.SUBGRAPH_PORTS[s.name] || s.port]));
  // The router verifies access tokens from the token-issuing subgraph, which names itself (iss)
  // with the URL the router reaches it at.
  const issuerPort = ports.get(env.TOKEN_ISSUER_SUBGRAPH);
  const issuer: Record<string, string> = issuerPort ? { JWT_ISSUER: `http://127.0.0.1:${issuerPort}` } : {};
  const subgraphEnv = { ROUTER_CLAIMS_PUBLIC_KEY: secrets.claimsPublicKey, HOST: '127.0.0.1', ...issuer };
  await Promise.all(
    registry.subgraphs.map((s) => {
      const p = ports.get(s.name)!;
      const child = start(s.name, 'lib/src/bin/subgraph.ts', { ...subgraphEnv, PORT: String(p) }, [s.name]);
      return waitReady(s.name, `http://127.0.0.1:${p}/readyz`, child);
    }),
  );
  const router = start('router', 'router/src/main.ts', {
    PORT: String(env.PORT),
    ROUTER_CLAIMS_PRIVATE_KEY: secrets.claimsPrivateKey,
    INTERNAL_API_KEY: secrets.internalApiKey,
    ...issuer,
    ...Object.fromEntries(
      registry.subgraphs.map((s) => [subgraphVariable(s.name, 'URL'), `http://127.0.0.1:${ports.get(s.name)}/graphql`]),
    ),
  });
  const url = `http://localhost:${env.PORT}/graphql`;
  await waitReady('router', `http://127.0.0.1:${env.PORT}/readyz`, router);

  // Log in through the router exactly as the web app does (its registered Login), so the printed
  // token is known to work.
  const user = DEV_USERS[1];
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
    body: JSON.stringify({
      query: registeredOperation('Login', 'eventzr-web'),
      variables: { email: user.email, password: DEV_PASSWORD },
    }),
  });
  const body = (await res.json()) as {
    data?: { login?: { accessToken: string; expiresIn: number } };
    errors?: unknown;
  };
  const token = body.data?.login?.accessToken;
  console.log(`
  EventZR supergraph is running (embedded PGlite in ${env.DATA_DIR}/): ${registry.subgraphs
    .map((s) => `${s.name} :${ports.get(s.name)}`)
    .join(', ')}, router :${env.PORT}.

  Apollo Sandbox:  ${url}   (open it in a browser)
  Login:           ${user.email} / ${DEV_PASSWORD}   (tenant EventZR Demo; also admin@eventzr.com, viewer@eventzr.com, admin@acme.example, user@acme.example)
${
  token
    ? `  Headers to paste into Sandbox (valid ${Math.round((body.data?.login?.expiresIn ?? 0) / 60)} min):
    {"Authorization": "Bearer ${token}"}
  Try:  query Me { me { id email roles tenant { name planTier } } }`
    : `  (logging in through the router failed: ${JSON.stringify(body.errors ?? body)})`
}
  Workers: the development internal key (x-internal-api-key; every internal scope, refused in production) is in ${env.DATA_DIR}/local-secrets.json.
  Ctrl-C stops everything; data is kept for the next start.
`);
}

main().catch((err: unknown) => {
  console.error(`start failed: ${err instanceof Error ? err.message : String(err)}`);
  void stopAll(1);
});
