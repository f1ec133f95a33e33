// The router process as an operator meets it: a bad configuration stops it before it listens,
// with every problem named; a good one serves until SIGTERM and then exits cleanly.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ConfigError, inheritedEnv, parseConfig } from '@eventzr/lib/config';
import { testClaimsKeys } from '@eventzr/lib/testing';
import { routerEnvSchema } from './config.ts';
import { composeFixtureSupergraph, routerConfig } from './__fixtures__/fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'a-router-claims-secret-of-32-chars-or-more';

function runMain(env: Record<string, string>) {
  // Only what the router reads, plus PATH for tsx: the test's own environment stays out.
  const child = spawn(process.execPath, ['--import', 'tsx', 'router/src/main.ts'], {
    cwd: ROOT,
    env: { PATH: inheritedEnv().PATH ?? '', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

describe('router configuration', () => {
  it('refuses DEVELOPMENT_AUTH_ENABLED and DEV_JWT_SECRET in production, naming each', () => {
    let error: unknown;
    try {
      parseConfig(routerEnvSchema, {
        NODE_ENV: 'production',
        DEVELOPMENT_AUTH_ENABLED: 'true',
        DEV_JWT_SECRET: 'x'.repeat(40),
        ROUTER_CLAIMS_SECRET: SECRET,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.join('\n')).toMatch(
      /DEVELOPMENT_AUTH_ENABLED: must not be true when NODE_ENV=production/,
    );
    expect((error as ConfigError).problems.join('\n')).toMatch(/DEV_JWT_SECRET/);
  });

  it('refuses two trusted issuers with the same iss, a bad Auth0 domain and a bad CORS origin', async () => {
    await expect(routerConfig({ DEV_JWT_ISSUER: 'https://auth.test.eventzr' })).rejects.toThrow(
      /DEV_JWT_ISSUER: must differ from JWT_ISSUER/,
    );
    expect(() =>
      parseConfig(routerEnvSchema, {
        ROUTER_CLAIMS_SECRET: SECRET,
        AUTH0_DOMAIN: 'https://tenant.auth0.com/',
        AUTH0_ISSUER: 'https://tenant.auth0.com/',
        AUTH0_AUDIENCE: 'api',
      }),
    ).toThrow(/AUTH0_DOMAIN: expected a host name/);
    expect(() =>
      parseConfig(routerEnvSchema, { ROUTER_CLAIMS_SECRET: SECRET, CORS_ORIGINS: 'https://ok.example, *' }),
    ).toThrow(/"\*" is not an origin/);
    expect(
      parseConfig(routerEnvSchema, {
        ROUTER_CLAIMS_SECRET: SECRET,
        CORS_ORIGINS: 'https://a.example, http://localhost:3000',
      }).CORS_ORIGINS,
    ).toEqual(['https://a.example', 'http://localhost:3000']);
  });

  it('the process exits non-zero with a clear message when DEVELOPMENT_AUTH_ENABLED is set in production', async () => {
    const run = runMain({ NODE_ENV: 'production', DEVELOPMENT_AUTH_ENABLED: 'true', ROUTER_CLAIMS_SECRET: SECRET });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      /Invalid configuration:[\s\S]*DEVELOPMENT_AUTH_ENABLED: must not be true when NODE_ENV=production/,
    );
  });

  it('the process exits non-zero when the supergraph file is missing', async () => {
    const run = runMain({ ROUTER_CLAIMS_SECRET: SECRET, SUPERGRAPH_PATH: '/nonexistent/supergraph.graphql' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(/cannot read \/nonexistent\/supergraph.graphql/);
  });

  it('serves from SUPERGRAPH_PATH and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'router-main-'));
    const path = join(dir, 'supergraph.graphql');
    writeFileSync(path, composeFixtureSupergraph());
    // Production signs claims with an Ed25519 key (a shared HS256 secret is refused there).
    const { ROUTER_CLAIMS_PRIVATE_KEY } = await testClaimsKeys();
    const run = runMain({
      ROUTER_CLAIMS_PRIVATE_KEY: ROUTER_CLAIMS_PRIVATE_KEY!,
      SUPERGRAPH_PATH: path,
      NODE_ENV: 'production',
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      createInterface({ input: run.child.stdout }).on('line', (line) => {
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'router listening' && rec.url) resolveUrl(rec.url);
        } catch {
          /* not a log line */
        }
      });
      void run.exited.then((code) => reject(new Error(`exited ${code}: ${run.stderr()}`)));
    });
    const health = await fetch(url.replace('/graphql', '/healthz'));
    expect(health.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
