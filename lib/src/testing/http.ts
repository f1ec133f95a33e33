// One HTTP client for tests: POST a JSON body, read the JSON answer (a non-JSON one fails the test
// with what came back instead).
import { createServer } from 'node:net';

export interface JsonAnswer<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
  text: string;
}

export async function postJson<B = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer<B>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: B;
  try {
    parsed = JSON.parse(text) as B;
  } catch {
    throw new Error(`non-JSON answer ${res.status} from ${url}: ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A TCP port free on 127.0.0.1 right now (for servers that must keep one port across restarts). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
