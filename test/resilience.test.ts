// Keeps working, with real processes (`npm start`'s entry points), under a bounded load:
// - a PostgreSQL restart (on a private server this test stops and starts: real PostgreSQL only)
//   leaves every subgraph process and the router alive and serving; requests during the outage
//   get the retryable SERVICE_UNAVAILABLE (never INTERNAL_SERVER_ERROR or a 500); /readyz is 503
//   with a reason during it and 200 after; after recovery nothing fails.
// - SIGTERM to a subgraph, and to the router, drains: new connections are refused at once, every
//   request the process accepted gets its complete 200 answer (counted: the process's own count
//   of accepted requests equals the complete answers the test received), and it exits 0.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLAIMS_HEADER, createClaimsSigner, operationHash } from '../lib/src/claims.ts';
import {
  canStartPrivatePostgres,
  registeredOperation,
  startPrivatePostgres,
  testClaimsKeys,
  userCaller,
  type PrivatePostgres,
} from '../lib/src/testing.ts';
import { DEV_PASSWORD } from '../lib/src/dev-seed.ts';
import { freePorts, startProcess, stopAll, waitReady, type Proc } from './support/processes.ts';

const DASHBOARD = 'query Dashboard { me { email tenant { name jobQuota { limit used } } } }';
const QUOTA = 'query Quota { jobQuota { limit used } }';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] };
}
type Outcome = Answer | { error: string };
const isAnswer = (o: Outcome): o is Answer => 'status' in o;

/** One HTTP request over `agent`; a complete JSON answer, or the socket error (never a partial answer). */
function send(
  agent: http.Agent,
  port: number,
  body: unknown,
  headers: Record<string, string> = {},
  path = '/graphql',
): Promise<Outcome> {
  const text = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('error', (err: NodeJS.ErrnoException) =>
          resolve({ error: `partial answer: ${err.code ?? err.message}` }),
        );
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(data) as Answer['body'] });
          } catch {
            resolve({ error: `incomplete or non-JSON answer ${res.statusCode}: ${data.slice(0, 200)}` });
          }
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(text);
  });
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs` (a bound, not an assertion on time). */
async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readyz(proc: Proc): Promise<{ status: number; reason?: string } | undefined> {
  try {
    const res = await fetch(`${proc.base}/readyz`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { reason?: string };
    return { status: res.status, ...(body.reason ? { reason: body.reason } : {}) };
  } catch {
    return undefined;
  }
}

async function login(router: Proc): Promise<string> {
  const res = await fetch(`${router.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: registeredOperation('Login', 'eventzr-web'),
      variables: { email: 'dev@eventzr.com', password: DEV_PASSWORD },
    }),
  });
  const body = (await res.json()) as { data?: { login?: { accessToken: string } }; errors?: unknown };
  router.answered++;
  if (!body.data?.login) throw new Error(`login failed: ${JSON.stringify(body.errors)}`);
  return body.data.login.accessToken;
}

/** The supergraph as `npm start` runs it: auth and jobs processes, then the router in front. */
async function startSupergraph(
  env: (name: string) => Record<string, string>,
): Promise<{ auth: Proc; jobs: Proc; router: Proc; procs: Proc[] }> {
  const claims = await testClaimsKeys();
  const [routerPort, authPort, jobsPort] = await freePorts(3);
  const shared = { NODE_ENV: 'development', LOG_LEVEL: 'info', JWT_ISSUER: `http://127.0.0.1:${authPort}` };
  const subgraph = (name: string, port: number) =>
    startProcess(name, 'lib/src/bin/subgraph.ts', [name], port, {
      ...shared,
      ROUTER_CLAIMS_PUBLIC_KEY: claims.ROUTER_CLAIMS_PUBLIC_KEY!,
      ...env(name),
    });
  const auth = subgraph('auth', authPort!);
  const jobs = subgraph('jobs', jobsPort!);
  const procs = [auth, jobs];
  try {
    await Promise.all([waitReady(auth), waitReady(jobs)]);
    const router = startProcess('router', 'router/src/main.ts', [], routerPort!, {
      ...shared,
      ROUTER_CLAIMS_PRIVATE_KEY: claims.ROUTER_CLAIMS_PRIVATE_KEY!,
      INTERNAL_API_KEY: randomBytes(32).toString('base64url'),
      SUBGRAPH_AUTH_URL: `${auth.base}/graphql`,
      SUBGRAPH_JOBS_URL: `${jobs.base}/graphql`,
      // Thousands of requests by one user within a minute: availability is measured, not cost budgets.
      COST_BUDGETS: JSON.stringify({ tiers: { professional: { tenant: 1_000_000, user: 1_000_000 } } }),
      ...env('router'),
    });
    procs.push(router);
    await waitReady(router);
    return { auth, jobs, router, procs };
  } catch (err) {
    await stopAll(procs);
    throw err;
  }
}

describe.runIf(canStartPrivatePostgres())('a PostgreSQL restart under load (real processes)', () => {
  let pgs: PrivatePostgres;
  let stack: Awaited<ReturnType<typeof startSupergraph>>;
  let token: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'eventzr-outage-'));
  beforeAll(async () => {
    pgs = await startPrivatePostgres();
    await pgs.createDatabase('eventzr_auth');
    await pgs.createDatabase('eventzr_jobs');
    stack = await startSupergraph((name): Record<string, string> =>
      name === 'router'
        ? {}
        : {
            DATA_DIR: dataDir,
            DATABASE_URL: pgs.appUrl(`eventzr_${name}`),
            DATABASE_MIGRATOR_URL: pgs.ownerUrl(`eventzr_${name}`),
            ...(name === 'auth' ? { DATABASE_SIGNER_URL: pgs.signerUrl('eventzr_auth') } : {}),
            DATABASE_CONNECT_TIMEOUT_MS: '1000',
          },
    );
    token = await login(stack.router);
  }, 600_000);
  afterAll(async () => {
    if (stack) await stopAll(stack.procs);
    pgs?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every process alive; the retryable SERVICE_UNAVAILABLE during it, 503 readiness, nothing failing after', async () => {
    type Phase = 'before' | 'down' | 'restarting' | 'after';
    let phase: Phase = 'before';
    const outcomes: { started: Phase; ended: Phase; outcome: Outcome }[] = [];
    const probes: { phase: Phase; who: string; status?: number; reason?: string }[] = [];
    let stop = false;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    const clients = Array.from({ length: 6 }, async () => {
      while (!stop && outcomes.length < 5000) {
        const started = phase;
        const outcome = await send(
          agent,
          stack.router.port,
          { query: DASHBOARD },
          { authorization: `Bearer ${token}` },
        );
        outcomes.push({ started, ended: phase, outcome });
      }
    });
    const prober = (async () => {
      while (!stop) {
        for (const p of [stack.auth, stack.jobs, stack.router]) {
          const at = phase;
          const r = await readyz(p);
          probes.push({ phase: at, who: p.name, ...r });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const count = (started: Phase, ok?: boolean) =>
      outcomes.filter(
        (o) =>
          o.started === started &&
          o.ended === started &&
          (ok === undefined || (isAnswer(o.outcome) && o.outcome.status === 200 && !o.outcome.body.errors) === ok),
      ).length;
    const saw = (p: Phase, who: string, status: number) =>
      probes.some((x) => x.phase === p && x.who === who && x.status === status);

    try {
      await until('60 answers before the outage', () => count('before', true) >= 60);
      phase = 'down';
      await pgs.stop();
      await until(
        'both subgraphs and the router not ready, and 40 requests answered during the outage',
        () => ['auth', 'jobs', 'router'].every((who) => saw('down', who, 503)) && count('down') >= 40,
      );
      phase = 'restarting';
      await pgs.start();
      await until('every process ready again', () =>
        ['auth', 'jobs', 'router'].every((who) => saw('restarting', who, 200)),
      );
      phase = 'after';
      await until('150 requests after the recovery', () => count('after') >= 150);
    } finally {
      stop = true;
      await Promise.all([...clients, prober]);
      agent.destroy();
    }

    const tally = (p: Phase) => {
      const mine = outcomes.filter((o) => o.started === p).map((o) => o.outcome);
      const codes = mine.filter(isAnswer).flatMap((a) => (a.body.errors ?? []).map((e) => e.extensions?.code));
      return `${p}: ${mine.length} requests, ${mine.filter((o) => isAnswer(o) && o.status === 200 && !o.body.errors).length} clean, ${codes.length} errors (${[...new Set(codes)].join(', ') || 'none'})`;
    };
    console.info(
      `database restart under load: ${(['before', 'down', 'restarting', 'after'] as const).map(tally).join('; ')}`,
    );
    // Every process is alive and serving.
    for (const p of stack.procs) expect(p.alive(), `${p.name} died:\n${p.output()}`).toBe(true);
    // The outage was felt (connections were lost and handled, requests refused) ...
    const lost = [stack.auth, stack.jobs].flatMap((p) => p.lines.filter((l) => l.msg === 'database connection lost'));
    expect(lost.length).toBeGreaterThan(0);
    const answers = outcomes.map((o) => o.outcome);
    expect(answers.filter((o) => !isAnswer(o))).toEqual([]);
    const errors = answers.filter(isAnswer).flatMap((a) => (a.body.errors ?? []).map((e) => ({ status: a.status, e })));
    expect(errors.length).toBeGreaterThan(0);
    // ... and only ever as the retryable code: no INTERNAL_SERVER_ERROR, no 500.
    expect(
      errors.filter(({ e }) => e.extensions?.code !== 'SERVICE_UNAVAILABLE' || e.extensions?.retryable !== true),
    ).toEqual([]);
    expect(answers.filter((a) => isAnswer(a) && a.status !== 200 && a.status !== 503)).toEqual([]);
    // Readiness: 503 with a reason during the outage, 200 after.
    for (const who of ['auth', 'jobs'])
      expect(probes.find((x) => x.phase === 'down' && x.who === who && x.status === 503)?.reason).toBeTruthy();
    for (const who of ['auth', 'jobs', 'router'])
      expect(probes.filter((x) => x.phase === 'after' && x.who === who).map((x) => x.status)).not.toContain(503);
    // Before and after: every request answered in full, no error.
    // Requests that started and ended in the phase (one started before the stop may end in it).
    const clean = (p: Phase) => outcomes.filter((o) => o.started === p && o.ended === p).map((o) => o.outcome);
    expect(clean('before').length).toBeGreaterThanOrEqual(60);
    expect(clean('after').length).toBeGreaterThanOrEqual(150);
    const warnings = [stack.auth, stack.jobs].flatMap((p) =>
      p.lines.filter((l) => l.level >= 40).map((l) => ({ ...l, service: p.name })),
    );
    for (const p of ['before', 'after'] as const)
      expect(
        clean(p).filter((o) => !(isAnswer(o) && o.status === 200 && !o.body.errors)),
        `${p}; the subgraphs' warnings: ${JSON.stringify(warnings.slice(-30))}`,
      ).toEqual([]);
  }, 600_000);

  it('then stops cleanly on SIGTERM: every process exits 0', async () => {
    const exits = stack.procs.map((p) => p.exited);
    for (const p of stack.procs) p.child.kill('SIGTERM');
    expect((await Promise.all(exits)).map((e) => e.code)).toEqual([0, 0, 0]);
  }, 60_000);
});

/** What a new TCP connection to `port` meets: 'connected', or its error code (ECONNREFUSED). */
function connectTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/**
 * A POST the process has accepted (it answered `100 Continue`, so its handler runs) whose body is
 * held back: under way until `finish()` sends it. Resolves with the raw answer once the connection ends.
 */
async function heldRequest(port: number, body: string, headers: Record<string, string>) {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  const continued = new Promise<void>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.includes('100 Continue')) resolve();
    });
    socket.once('error', reject);
  });
  const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(data)));
  const head = Object.entries({
    host: `127.0.0.1:${port}`,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    expect: '100-continue',
    ...headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.write(`POST /graphql HTTP/1.1\r\n${head}\r\n`);
  await continued;
  return { finish: () => socket.write(body), ended };
}

/**
 * SIGTERM to `proc` in the middle of a bounded load from several keep-alive clients, with one
 * accepted request held open across the signal. What must hold is asserted here.
 */
async function drainUnderLoad(proc: Proc, request: () => Promise<{ body: unknown; headers: Record<string, string> }>) {
  const answered = proc.answered;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  let signalled = false;
  const results: { afterSignal: boolean; outcome: Outcome }[] = [];
  const clients = Array.from({ length: 6 }, async () => {
    // Each client goes on until its first failure after the signal (the process is gone), or a bound.
    for (let i = 0; i < 400; i++) {
      const r = await request();
      const outcome = await send(agent, proc.port, r.body, r.headers);
      results.push({ afterSignal: signalled, outcome });
      if (!isAnswer(outcome) && signalled) return;
    }
  });
  await until('50 answers before the signal', () => results.filter((r) => isAnswer(r.outcome)).length >= 50);
  const held = await request();
  const slow = await heldRequest(proc.port, JSON.stringify(held.body), held.headers);

  proc.child.kill('SIGTERM');
  signalled = true;
  await proc.logged('draining');
  // Draining: the listener is closed (new connections refused) while the held request keeps the
  // process alive.
  expect(await connectTo(proc.port), proc.output().slice(-3000)).toBe('ECONNREFUSED');
  expect(proc.alive()).toBe(true);
  slow.finish();
  const raw = await slow.ended;
  expect(raw).toMatch(/\r\nHTTP\/1\.1 200 OK\r\n/);
  expect(raw).toMatch(/\r\nConnection: close\r\n/i);
  const heldBody = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n', raw.indexOf('200 OK')) + 4)) as Answer['body'];
  expect(heldBody.errors).toBeUndefined();

  await Promise.all(clients);
  agent.destroy();
  const exit = await proc.exited;
  expect(exit, proc.output()).toEqual({ code: 0, signal: null });
  const drained = await proc.logged('drained');

  // Nothing failed before the signal; after it, a request either got its complete 200 answer or
  // never got in (connection refused, or an idle keep-alive connection closed under it).
  expect(results.filter((r) => !r.afterSignal && !isAnswer(r.outcome))).toEqual([]);
  const failures = results.filter((r) => !isAnswer(r.outcome)).map((r) => (r.outcome as { error: string }).error);
  expect(failures.filter((e) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(e))).toEqual([]);
  const answers = results.map((r) => r.outcome).filter(isAnswer);
  expect(answers.filter((a) => a.status !== 200 || a.body.errors)).toEqual([]);
  // Every request the process accepted was answered, completely: its own count of accepted
  // requests is exactly the complete answers received here (load, the held one, and the ones
  // before the load: readiness polls, login), and none was cut.
  expect(drained).toMatchObject({ destroyed: 0 });
  expect(drained.inFlightAtStart).toBeGreaterThanOrEqual(1);
  expect(drained.completed).toBe(drained.accepted);
  expect(drained.accepted).toBe(answers.length + 1 + answered);
  console.info(
    `SIGTERM to ${proc.name} under load: ${JSON.stringify(drained)}; the test received ${answers.length + 1 + answered} complete answers (${results.filter((r) => r.afterSignal && isAnswer(r.outcome)).length} of the load after the signal), ${failures.length} requests not taken (${[...new Set(failures)].join(', ')})`,
  );
}

describe('SIGTERM under load drains (real processes)', () => {
  let stack: Awaited<ReturnType<typeof startSupergraph>>;
  let jobs: Proc;
  let token: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'eventzr-drain-'));
  beforeAll(async () => {
    // The embedded database: draining is the same on both, and this runs in every CI pass.
    const env = (dir: string) => ({ DATA_DIR: join(dataDir, dir), SHUTDOWN_GRACE_MS: '60000' });
    stack = await startSupergraph((name) => (name === 'router' ? env('router') : env('stack')));
    token = await login(stack.router);
    // A jobs process of its own, called by nothing but this test: its count of accepted requests
    // is the test's to check.
    const [port] = await freePorts(1);
    jobs = startProcess('jobs', 'lib/src/bin/subgraph.ts', ['jobs'], port!, {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      ROUTER_CLAIMS_PUBLIC_KEY: (await testClaimsKeys()).ROUTER_CLAIMS_PUBLIC_KEY!,
      ...env('alone'),
    });
    await waitReady(jobs);
  }, 600_000);
  afterAll(async () => {
    await stopAll([...(stack?.procs ?? []), ...(jobs ? [jobs] : [])]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a subgraph: every accepted request completes, new connections are refused, it exits 0', async () => {
    const signer = await createClaimsSigner(await testClaimsKeys());
    const caller = userCaller({ tenantId: crypto.randomUUID(), permissions: ['jobs:read'] });
    await drainUnderLoad(jobs, async () => ({
      body: { query: QUOTA, variables: {} },
      headers: {
        [CLAIMS_HEADER]: await signer.sign({
          caller,
          audience: 'jobs',
          opHash: operationHash(QUOTA, {}),
          requestId: crypto.randomUUID(),
        }),
      },
    }));
  }, 300_000);

  it('the router: every accepted request completes, new connections are refused, it exits 0', async () => {
    await drainUnderLoad(stack.router, async () => ({
      body: { query: DASHBOARD },
      headers: { authorization: `Bearer ${token}` },
    }));
  }, 300_000);
});
