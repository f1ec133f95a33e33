// lib's listener drain and readiness probe, over real sockets: a drain refuses new connections at
// once, closes idle keep-alive connections, lets requests under way finish (saying
// `Connection: close`), and cuts only what outlives the grace period; /readyz reports a failing or
// hanging probe and the drain as 503 with a reason, and reuses one probe's answer for a moment.
import { connect, type Socket } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedProbe, healthRoutes, listen, type Listening } from './http.ts';

const silent = pino({ level: 'silent' });

/** A raw HTTP/1.1 connection: what the server wrote, and how the connection ended. */
interface Raw {
  socket: Socket;
  /** Everything received until the server closed the connection. */
  ended: Promise<{ data: string; error?: string }>;
  /** Resolves once `text` has been received (e.g. a complete response). */
  received(text: string): Promise<string>;
}

function open(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const waiters: { text: string; done: (d: string) => void }[] = [];
    socket.on('data', (d: Buffer) => {
      data += d.toString();
      for (const w of waiters.filter((w) => data.includes(w.text))) w.done(data);
    });
    const ended = new Promise<{ data: string; error?: string }>((done) => {
      let error: string | undefined;
      socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
      socket.on('close', () => done({ data, ...(error ? { error } : {}) }));
    });
    socket.once('connect', () =>
      resolve({
        socket,
        ended,
        received: (text) =>
          data.includes(text) ? Promise.resolve(data) : new Promise((done) => waiters.push({ text, done })),
      }),
    );
    socket.once('error', reject);
  });
}

/** Whether a new TCP connection to `port` is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

/** An app whose /slow requests wait until released; /fast answers at once. */
function slowApp() {
  const app = express();
  const waiting: (() => void)[] = [];
  let arrived = 0;
  const arrivals: (() => void)[] = [];
  app.get('/slow', async (_req, res) => {
    arrived++;
    for (const a of arrivals.splice(0)) a();
    await new Promise<void>((r) => waiting.push(r));
    res.json({ ok: true });
  });
  app.get('/fast', (_req, res) => {
    res.json({ ok: true });
  });
  return {
    app,
    release: () => waiting.splice(0).forEach((r) => r()),
    /** Resolves once `n` /slow requests are being handled. */
    arrived: (n: number) =>
      arrived >= n
        ? Promise.resolve()
        : new Promise<void>(function wait(resolve) {
            arrivals.push(() => (arrived >= n ? resolve() : wait(resolve)));
          }),
  };
}

let listening: Listening | undefined;
afterEach(async () => {
  await listening?.close();
  listening = undefined;
});

describe('listen(): drain', () => {
  it('refuses new connections, closes idle ones, and lets the requests under way finish with Connection: close', async () => {
    const s = slowApp();
    listening = await listen(s.app, 0, '127.0.0.1');
    const { port } = listening;

    const idle = await open(port);
    idle.socket.write(get('/fast'));
    await idle.received('{"ok":true}');
    const busy = await open(port);
    busy.socket.write(get('/slow'));
    const other = await open(port);
    other.socket.write(get('/slow'));
    await s.arrived(2);
    expect(await refused(port)).toBe(false);

    const drained = listening.drain(60_000);
    expect(listening.draining).toBe(true);
    // The idle keep-alive connection is closed; new connections are refused.
    expect((await idle.ended).error).toBeUndefined();
    expect(await refused(port)).toBe(true);

    // The requests under way are not cut: released, they complete in full, each told the
    // connection closes (the client's next request goes elsewhere), and then it does.
    s.release();
    for (const raw of [busy, other]) {
      const answer = await raw.ended;
      expect(answer.error).toBeUndefined();
      expect(answer.data).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(answer.data).toMatch(/\r\nConnection: close\r\n/i);
      expect(answer.data).toMatch(/\r\n\r\n\{"ok":true\}$/);
    }
    expect(await drained).toEqual({ accepted: 3, completed: 3, inFlightAtStart: 2, destroyed: 0 });
  });

  it('with nothing under way, ends at once; a second drain or close() waits for the same end', async () => {
    const s = slowApp();
    listening = await listen(s.app, 0, '127.0.0.1');
    const first = listening.drain(60_000);
    const second = listening.drain(60_000);
    expect(await first).toEqual({ accepted: 0, completed: 0, inFlightAtStart: 0, destroyed: 0 });
    expect(await second).toEqual(await first);
    await listening.close();
  });

  it('cuts the requests that outlive the grace period', async () => {
    const s = slowApp();
    listening = await listen(s.app, 0, '127.0.0.1');
    const { port } = listening;
    const stuck = await open(port);
    stuck.socket.write(get('/slow'));
    await s.arrived(1);
    const result = await listening.drain(300);
    // Cut without an answer once the grace period is over (the test above: finished ones never are).
    expect(result).toEqual({ accepted: 1, completed: 0, inFlightAtStart: 1, destroyed: 1 });
    expect((await stuck.ended).data).toBe('');
    s.release();
  });
});

describe('healthRoutes: /readyz', () => {
  async function serve(probe: () => Promise<void>, draining = () => false) {
    const app = express();
    healthRoutes(app, probe, silent, { draining, timeoutMs: 200, reuseMs: 0 });
    listening = await listen(app, 0, '127.0.0.1');
    const base = listening.url;
    return async (path = '/readyz') => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
    };
  }

  it('200 while the probe answers; 503 with its reason while it fails; 200 again once it answers', async () => {
    let failure: Error | undefined;
    const readyz = await serve(async () => {
      if (failure) throw failure;
    });
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(await readyz()).toEqual({
      status: 503,
      body: { status: 'unavailable', reason: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
    // /healthz: the process runs, whatever its dependencies do.
    expect((await readyz('/healthz')).status).toBe(200);
    failure = undefined;
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('503 when the probe hangs past its timeout', async () => {
    const readyz = await serve(() => new Promise<void>(() => undefined));
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'no answer within 200 ms' } });
  });

  it('503 "shutting down" at once while draining, without probing', async () => {
    let probes = 0;
    let draining = false;
    const readyz = await serve(
      async () => void probes++,
      () => draining,
    );
    expect((await readyz()).status).toBe(200);
    draining = true;
    expect(await readyz()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'shutting down' } });
    expect(probes).toBe(1);
  });
});

describe('cachedProbe', () => {
  it('runs one probe for callers that ask together or within reuseMs, and a new one after', async () => {
    let calls = 0;
    let now = 0;
    const probe = cachedProbe(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
      },
      { timeoutMs: 1000, reuseMs: 60_000 },
    );
    expect(await Promise.all([probe(), probe(), probe()])).toEqual([undefined, undefined, undefined]);
    expect(await probe()).toBeUndefined();
    expect(calls).toBe(1);
    const fresh = cachedProbe(async () => void (now = ++calls), { timeoutMs: 1000, reuseMs: 0 });
    await fresh();
    await new Promise((r) => setTimeout(r, 2));
    await fresh();
    expect(calls).toBe(3);
    expect(now).toBe(3);
  });
});
