// Real router and subgraph processes for the end-to-end tests that signal, starve or stop them:
// each started the way `npm start` starts it (node --import tsx on its entry point), its JSON
// log lines kept, its exit awaited.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { inheritedEnv } from '../../lib/src/config.ts';
import { ROOT } from '../../lib/src/registry.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Its JSON log lines so far (stdout), and anything else it printed. */
  lines: LogLine[];
  output(): string;
  /** Resolves with the first log line (now or later) whose msg is `msg`. */
  logged(msg: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Complete answers the test's helpers (waitReady, ...) received from it: what drain counts compare with. */
  answered: number;
}

/** Ports nothing listens on now (the OS hands out a free one for port 0). */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++)
    ports.push(
      await new Promise<number>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => resolve(port));
        });
      }),
    );
  return ports;
}

/** Starts `entry` (e.g. lib/src/bin/subgraph.ts, router/src/main.ts) with `env` on top of this process's. */
export function startProcess(
  name: string,
  entry: string,
  args: string[],
  port: number,
  env: Record<string, string>,
): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...inheritedEnv(), PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let text = '';
  const waiters: { msg: string; done: (l: LogLine) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    text += `${line}\n`;
    let rec: LogLine;
    try {
      rec = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    lines.push(rec);
    for (const w of waiters.filter((w) => w.msg === rec.msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.done(rec);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    lines,
    output: () => text,
    logged(msg) {
      const seen = lines.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        waiters.push({ msg, done });
        void exited.then(() => fail(new Error(`${name} exited without logging "${msg}":\n${text}`)));
      });
    },
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    answered: 0,
  };
}

/** Waits until `proc` answers /readyz with 200 (it migrates and seeds first: that can take a while). */
export async function waitReady(proc: Proc, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`${proc.name} exited before it was ready:\n${proc.output()}`);
    try {
      // No client-side timeout: a request the process accepted is always read to its end, so
      // `answered` counts exactly the requests it took.
      const res = await fetch(`${proc.base}/readyz`);
      await res.text();
      proc.answered++;
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} was not ready within ${timeoutMs / 1000}s:\n${proc.output()}`);
}

/** SIGTERM to every process still running; resolves with their exits. */
export async function stopAll(procs: readonly Proc[]): Promise<void> {
  await Promise.all(
    procs.map(async (p) => {
      if (p.alive()) p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
      await p.exited;
      clearTimeout(timer);
    }),
  );
}
