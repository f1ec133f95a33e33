// A new domain is one folder plus one registry entry. The notes fixture subgraph
// (test/__fixtures__/subgraphs/notes, laid out like every subgraph) is added to a temporary copy of
// the registry, and nothing else is edited: it is composed by `npm run schema:compose`, launched by
// `npm start` with its background task, routed by the router alongside auth and jobs, described in
// the deployment files, and tested through lib's test kit and the end-to-end stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { inheritedEnv } from '../lib/src/config.ts';
import { DEFAULT_REGISTRY_PATH, readRegistry, ROOT } from '../lib/src/registry.ts';
import { assertCatalog, internalCaller, postJson, userCaller } from '../lib/src/testing.ts';
import { generateDeployFiles } from '../scripts/generate-deploy.ts';
import { security } from './__fixtures__/subgraphs/notes/src/db/schema.ts';
import { SEED_NOTE_ID } from './__fixtures__/subgraphs/notes/src/seed.ts';
import { HEARTBEAT_FILE } from './__fixtures__/subgraphs/notes/src/subgraph.ts';
import { freePorts } from './support/processes.ts';
import { startStack, type Stack } from './support/stack.ts';

const FIXTURE = join(ROOT, 'test', '__fixtures__', 'subgraphs', 'notes');

let dir: string;
let registryPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'eventzr-registry-'));
  registryPath = join(dir, 'supergraph.yaml');
  // The real registry, its paths made absolute for the copy's new place, plus one entry.
  const real = parseYaml(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as {
    federation_version: string;
    subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
  };
  for (const entry of readRegistry().subgraphs) real.subgraphs[entry.name]!.schema.file = entry.schemaPath;
  real.subgraphs.notes = {
    routing_url: 'http://127.0.0.1:4099/graphql',
    schema: { file: join(FIXTURE, 'schema.graphql') },
  };
  writeFileSync(registryPath, stringifyYaml(real));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      env: { ...inheritedEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string) {
  const res = await postJson<{ data?: Record<string, any> | null; errors?: Array<{ message: string }> }>(
    url,
    { query, variables },
    token ? { authorization: `Bearer ${token}` } : {},
  );
  return res.body;
}

const ADD_NOTE = 'mutation ($b: String!) { addNote(input: { body: $b }) { note { id body author { id email } } } }';
const DASHBOARD = '{ me { tenant { name noteCount jobQuota { limit } } } }';

describe('a subgraph added to the registry, and nothing else', () => {
  it('is composed by npm run schema:compose next to the registry', async () => {
    const { code, output } = await run(['schema/compose.ts'], { SUBGRAPH_REGISTRY: registryPath });
    expect(code, output).toBe(0);
    expect(output).toContain('composed auth, jobs, notes');
    expect(readFileSync(join(dir, 'supergraph.graphql'), 'utf8')).toMatch(/join__graph\(name: "notes"/);
    const access = JSON.parse(readFileSync(join(dir, 'access.json'), 'utf8')) as {
      subgraphs: Record<string, Record<string, unknown>>;
    };
    expect(access.subgraphs.notes).toMatchObject({
      'Mutation.addNote': 'isAuthenticated',
      'Note.__resolveReference': 'isAuthenticated',
      'Note.author': 'hasPermission(users:read)',
    });
  });

  it('is in the deployment files generated from the registry', async () => {
    const files = await generateDeployFiles(readRegistry(registryPath));
    const text = (suffix: string) => files.find((f) => f.path.endsWith(suffix))!.content;
    const compose = parseYaml(text('docker-compose.yml')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, unknown> }>;
    };
    expect(compose.services.notes?.command).toEqual(['npx', 'tsx', 'lib/src/bin/subgraph.ts', 'notes']);
    expect(compose.services.router?.environment?.SUBGRAPH_NOTES_URL).toBe('http://notes:4099/graphql');
    expect(text('postgres-init.sql')).toContain('create database eventzr_notes owner eventzr_owner;');
    expect(text('.env.example')).toMatch(/^NOTES_MAX_LENGTH=280 /m);
  });

  it('is launched by npm start with its background task, and routed by the router', async () => {
    // The composition of the test above is what the router serves (next to the registry).
    expect(existsSync(join(dir, 'supergraph.graphql'))).toBe(true);
    const [router, auth, jobs, notes] = await freePorts(4);
    const dataDir = join(dir, 'data');
    const launcher: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: ROOT,
      env: {
        ...inheritedEnv(),
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        SUBGRAPH_REGISTRY: registryPath,
        DATA_DIR: dataDir,
        PORT: String(router),
        SUBGRAPH_AUTH_PORT: String(auth),
        SUBGRAPH_JOBS_PORT: String(jobs),
        SUBGRAPH_NOTES_PORT: String(notes),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    launcher.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => launcher.on('exit', (code) => resolve(code)));
    try {
      // npm start prints the token it obtained by logging in through the router.
      const token = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 150_000);
        createInterface({ input: launcher.stdout! }).on('line', (line) => {
          output += `${line}\n`;
          const m = /"Authorization": "Bearer ([^"]+)"/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
      });
      expect(output).toMatch(new RegExp(`notes :${notes}`));
      const url = `http://127.0.0.1:${router}/graphql`;

      const added = await gql(url, ADD_NOTE, { b: 'routed' }, token);
      expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
      // The note from notes, its author's email from auth: one operation, two subgraphs.
      expect(added.data!.addNote.note).toMatchObject({ body: 'routed', author: { email: 'dev@eventzr.com' } });
      const dashboard = await gql(url, DASHBOARD, {}, token);
      expect(dashboard.errors, JSON.stringify(dashboard.errors)).toBeUndefined();
      expect(dashboard.data!.me.tenant).toMatchObject({
        name: 'EventZR Demo',
        noteCount: 2,
        jobQuota: { limit: 10_000 },
      });
      expect((await gql(url, `{ note(id: "${SEED_NOTE_ID}") { body } }`, {}, token)).data).toEqual({
        note: { body: 'Welcome to the notes fixture' },
      });
      // Its background task runs in its process.
      expect(existsSync(join(dataDir, HEARTBEAT_FILE))).toBe(true);
    } finally {
      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  describe('tested through the test kit and the end-to-end stack', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ registry: registryPath });
    });
    afterAll(() => stack?.stop());

    it('answers through the router across auth, jobs and notes', async () => {
      const { accessToken } = await stack.login('dev@eventzr.com');
      const added = await stack.gql(ADD_NOTE, { b: 'stacked' }, { token: accessToken });
      expect(added.body.errors).toBeUndefined();
      expect(added.body.data!.addNote.note).toMatchObject({ body: 'stacked', author: { email: 'dev@eventzr.com' } });
      const dashboard = await stack.gql(DASHBOARD, {}, { token: accessToken });
      expect(dashboard.body.data!.me.tenant).toMatchObject({ noteCount: 2, jobQuota: { limit: 10_000 } });
    });

    it('resolves its Note references under its entity rule: a user of the tenant yes, others no', async () => {
      const notes = stack.subgraph('notes');
      const q = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { id body } } }';
      const r = [{ __typename: 'Note', id: SEED_NOTE_ID }];
      const dev = userCaller({ tenantId: '00000000-0000-4000-8000-000000000001' });
      expect((await notes.exec(dev, q, { r })).body).toEqual({
        data: { _entities: [{ id: SEED_NOTE_ID, body: 'Welcome to the notes fixture' }] },
      });
      // Another tenant's user: null (row level security); an internal caller: refused by the rule.
      expect((await notes.exec(userCaller({ tenantId: crypto.randomUUID() }), q, { r })).body).toEqual({
        data: { _entities: [null] },
      });
      const internal = await notes.exec(internalCaller(), q, { r });
      expect(internal.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });

    it('holds exactly its security declaration (lib catalog assertion)', async () => {
      await assertCatalog(stack.subgraph('notes').database, security);
    });
  });
});
