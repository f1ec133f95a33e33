// The router process: configuration from the environment, the router on PORT, a clean stop on
// SIGINT/SIGTERM. An invalid configuration (e.g. DEVELOPMENT_AUTH_ENABLED in production) stops
// it before anything listens, with every problem named.
import { readConfig } from '@eventzr/lib/config';
import { routerEnvSchema, type RouterEnv } from './config.ts';
import { drainOnSignals } from '@eventzr/lib/http';
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

// Drains (lib/http drainOnSignals), then stops Apollo Server and the gateway.
drainOnSignals({ listening, graceMs: config.SHUTDOWN_GRACE_MS, log, release: () => router.stop() });
