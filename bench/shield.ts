// What graphql-shield costs as applied (lib/src/shield.ts applyShield) on a 1000-row `jobs`
// list, executed against the jobs subgraph schema directly: the real SDL, the real Job and
// connection resolvers, the real permission tree. Only the root `jobs` resolver is replaced by
// one returning 1000 rows from memory, so the figures measure GraphQL execution and the shield,
// not the database. Compared with the unshielded schema and with shield applied the usual way
// (graphql-middleware wrapping every field). Run: npm run bench -- shield
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';
import type { UserCaller } from '../lib/src/claims.ts';
import { cursorCodec, pageFromRows, pageRequest, toConnection } from '../lib/src/connection.ts';
import { effectivePermissions } from '../lib/src/permissions.ts';
import { applyShield, applyShieldEverywhere, isAuthenticated } from '../lib/src/shield.ts';
import type { JobRow } from '../subgraphs/jobs/src/db/schema.ts';
import { resolvers as jobsResolvers } from '../subgraphs/jobs/src/resolvers/index.ts';
import { subgraph as jobs } from '../subgraphs/jobs/src/subgraph.ts';

const ROWS = 1000;
const tenantId = '00000000-0000-4000-8000-000000000001';
const now = Date.now();
const rows: JobRow[] = Array.from({ length: ROWS }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  tenantId,
  type: 'email.send',
  status: 'queued',
  priority: i % 10,
  payload: { to: `user${i}@example.com`, template: 'welcome' },
  result: null,
  attempts: 0,
  maxAttempts: 3,
  lastError: null,
  runAt: new Date(now - i * 1000),
  leaseExpiresAt: null,
  workerId: null,
  leaseCredential: null,
  createdBy: '00000000-0000-4000-8000-000000000102',
  createdAt: new Date(now - i * 1000),
  updatedAt: new Date(now - i * 1000),
  startedAt: null,
  finishedAt: null,
}));
type Key = { createdAt: string; id: string };
const codec = cursorCodec<Key>('bench', tenantId, (k) => k as Key);
const keyOf = (r: JobRow): Key => ({ createdAt: r.createdAt.toISOString(), id: r.id });

const resolvers = jobsResolvers as Record<string, Record<string, unknown>>;
const benchResolvers = {
  ...resolvers,
  Query: {
    ...resolvers.Query,
    jobs: () => {
      const req = pageRequest({ first: 0 }, codec);
      const all = { ...req, limit: ROWS };
      return toConnection(pageFromRows(rows, ROWS, keyOf, codec), all, keyOf, codec, async () => ROWS);
    },
  },
};
const build = () => buildSubgraphSchema({ typeDefs: jobs.typeDefs, resolvers: benchResolvers as never });
const tree = jobs.permissions;

const schemas: Array<[string, GraphQLSchema]> = [
  ['unshielded', build()],
  ['shield as applied (applyShield)', applyShield(build(), tree)],
  ['shield, every field wrapped (fallback allow)', applyShieldEverywhere(build(), tree)],
  ['shield, every field + type rule on Job', applyShieldEverywhere(build(), tree, { Job: { '*': isAuthenticated } })],
];

const document = parse(`query Jobs {
  jobs { totalCount edges { cursor node { id type status priority payload attempts maxAttempts lastError createdAt updatedAt createdBy { id } } }
         pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`);
const caller: UserCaller = {
  kind: 'user',
  userId: '00000000-0000-4000-8000-000000000102',
  tenantId,
  email: 'dev@eventzr.com',
  name: 'Dev',
  roles: ['user'],
  permissions: effectivePermissions(['user']),
  planTier: 'professional',
  issuer: 'bench',
};

async function once(schema: GraphQLSchema): Promise<number> {
  const t0 = performance.now();
  const res = await execute({ schema, document, contextValue: { caller, loaders: {}, requestId: 'bench' } });
  const dt = performance.now() - t0;
  if (res.errors) throw new Error(JSON.stringify(res.errors.slice(0, 2)));
  const n = (res.data as { jobs: { edges: unknown[] } }).jobs.edges.length;
  if (n !== ROWS) throw new Error(`expected ${ROWS} rows, got ${n}`);
  return dt;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runShieldBench(rounds = 15, perRound = 20): Promise<Record<string, number>> {
  for (const [, s] of schemas) for (let i = 0; i < 30; i++) await once(s); // warm up the JIT
  const samples = new Map<string, number[]>(schemas.map(([n]) => [n, []]));
  // Interleave the variants round by round so drift in machine load hits all of them alike.
  for (let r = 0; r < rounds; r++) {
    // ...and rotate which variant goes first, so none always runs right after the heaviest.
    const order = schemas.map((_, i) => schemas[(i + r) % schemas.length]!);
    for (const [name, s] of order) {
      // Start each variant with a clean heap (node --expose-gc) so one variant's garbage is not
      // collected on another's clock.
      (globalThis as { gc?: () => void }).gc?.();
      let total = 0;
      for (let i = 0; i < perRound; i++) total += await once(s);
      samples.get(name)!.push(total / perRound);
    }
  }
  const base = median(samples.get('unshielded')!);
  const out: Record<string, number> = {};
  console.log(`\ngraphql-shield on a ${ROWS}-row jobs list (median of ${rounds} rounds × ${perRound} executions)`);
  for (const [name] of schemas) {
    const ms = median(samples.get(name)!);
    out[name] = ms / base;
    console.log(`  ${name.padEnd(46)} ${ms.toFixed(2).padStart(8)} ms/exec  ${(ms / base).toFixed(2)}×`);
  }
  const applied = out['shield as applied (applyShield)']!;
  console.log(
    `  target: shield as applied ≤ 1.25× unshielded → ${applied <= 1.25 ? 'met' : 'NOT MET'} (${applied.toFixed(2)}×)`,
  );
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await runShieldBench();
