// The setup most router test files share, registered as vitest hooks: the fixture subgraphs, an
// RS256 signing key and the JWKS that serves it, and routers started on them with the fixtures'
// configuration plus each test's own settings; all of it stopped after the file, and the
// fixtures' recorder cleared before each test.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createRouter, type Router, type RouterOptions } from '../router.ts';
import {
  fixtureRouterEnv,
  routerConfig,
  rsaKey,
  startFixtures,
  startJwksServer,
  type Fixtures,
  type JwksServer,
  type SigningKey,
} from './fixtures.ts';

export interface StartedRouter {
  router: Router;
  /** Its /graphql URL. */
  url: string;
}

export interface FixtureRouters {
  readonly fx: Fixtures;
  readonly key: SigningKey;
  readonly jwks: JwksServer;
  /** A router on the fixtures (their supergraph, JWKS and settings), with `env` over them; listening on port 0. */
  start(env?: Record<string, string | undefined>, options?: RouterOptions): Promise<StartedRouter>;
}

/** Call at the top of a test file: its hooks run before the file's own. */
export function fixtureRouters(opts: { keyId?: string } = {}): FixtureRouters {
  let state: { fx: Fixtures; key: SigningKey; jwks: JwksServer } | undefined;
  const routers: Router[] = [];
  const ready = () => {
    if (!state) throw new Error('fixtureRouters: used before its beforeAll ran');
    return state;
  };
  beforeAll(async () => {
    const [fx, key] = await Promise.all([startFixtures(), rsaKey(opts.keyId ?? 'key-1')]);
    state = { fx, key, jwks: await startJwksServer([key.publicJwk]) };
  });
  afterAll(async () => {
    await Promise.all(routers.map((r) => r.stop()));
    await state?.jwks.close();
    await state?.fx.close();
  });
  beforeEach(() => state?.fx.reset());
  return {
    get fx() {
      return ready().fx;
    },
    get key() {
      return ready().key;
    },
    get jwks() {
      return ready().jwks;
    },
    async start(env = {}, options = {}) {
      const { fx, jwks } = ready();
      const config = await routerConfig({ ...fixtureRouterEnv(fx, jwks.url), ...env });
      const router = await createRouter(config, { supergraphSdl: fx.supergraphSdl, ...options });
      routers.push(router);
      return { router, url: (await router.listen(0)).url };
    },
  };
}
