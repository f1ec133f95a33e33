// The router process: configuration from the environment, the router on PORT, a clean stop on
// SIGINT/SIGTERM. An invalid configuration (e.g. DEVELOPMENT_AUTH_ENABLED in production) stops
// it before anything listens, with every problem named.
import { readConfig } from '@eventzr/lib/config';
import { routerEnvSchema, type RouterEnv } from './config.ts';
import { createLogger } from '@eventzr/lib/logger';
import { createRouter } from './router.ts';

let config: RouterEnv;
try {
  config = readConfig(routerEnvSchema);
} catch (err) {
  console.error(`[router] ${(err as Error).message}`);
  process.exit(1);
}

const log = createLogger('router', config.LOG_LEVEL);
let router: Awaited<ReturnType<typeof createRouter>>;
try {
  router = await createRouter(config, { logger: log });
} catch (err) {
  // A supergraph that does not load or a bad key: say why, once, and stop.
  log.fatal({ err }, 'router failed to start');
  console.error(`[router] ${(err as Error).message}`);
  process.exit(1);
}
const listening = await router.listen(config.PORT, config.HOST);
log.info(
  {
    url: listening.url,
    subgraphs: router.supergraph.subgraphs.map((s) => s.name),
    production: config.NODE_ENV === 'production',
  },
  'router listening',
);

// Drains: /readyz turns 503 and the listener stops accepting at once, idle keep-alive connections
// close, requests under way finish (up to SHUTDOWN_GRACE_MS, then they are cut), then it exits 0.
let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  // The listener is closed by the time this says so.
  const draining = listening.drain(config.SHUTDOWN_GRACE_MS);
  log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, 'draining');
  let code = 0;
  try {
    const drained = await draining;
    log.info({ ...drained }, 'drained');
    await router.stop();
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    code = 1;
  }
  log.flush();
  process.exit(code);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
