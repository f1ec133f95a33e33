// What resolving and checking the one operation costs the router per request (router/src/
// operation.ts), on the real schema with the web app's registered operations: a document seen
// before (the usual case: clients send the same operations) is a cache hit; a document never
// seen before pays a parse, the layer-1 requirements and, for an anonymous caller, a validation
// against the public schema. For scale, the same work Apollo Server already does per new document
// (parse + validate against the whole schema) is measured too. Run: npm run bench -- operation
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import type { Caller } from '../lib/src/claims.ts';
import { registeredOperations } from '../lib/src/operations.ts';
import { Permission } from '../lib/src/permissions.ts';
import { ROOT } from '../lib/src/registry.ts';
import { checkOperationLimits, DEFAULT_OPERATION_LIMITS } from '../router/src/limits/operation-limits.ts';
import { createOperationGate, type OperationRequest } from '../router/src/operation.ts';
import { loadSupergraph } from '../router/src/supergraph.ts';

const USER = {
  kind: 'user',
  userId: '00000000-0000-4000-8000-000000000001',
  tenantId: '00000000-0000-4000-8000-00000000000a',
  email: 'u@eventzr.com',
  name: 'U',
  roles: ['admin'],
  permissions: Object.values(Permission),
  planTier: 'professional',
} as Caller;
const ANON: Caller = { kind: 'anonymous' };

export async function runOperationBench(durationMs = 1500): Promise<Record<string, number>> {
  const { security } = loadSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'));
  const api = buildSchema(readFileSync(join(ROOT, 'schema/api.graphql'), 'utf8'));
  const web = [...registeredOperations('eventzr-web').values()].map((o) => ({
    name: o.name,
    query: print(o.document),
  }));
  const publicOps = web.filter((o) => /^mutation (Login|Register|RequestPasswordReset|RefreshToken)\b/.test(o.query));

  function measure(label: string, caller: Caller, next: (i: number) => { name: string; query: string }) {
    const gate = createOperationGate({ security, production: true });
    gate.setSchema(api);
    const run = (i: number) => {
      const op = next(i);
      const req: OperationRequest = { query: op.query, operationName: op.name, method: 'POST', caller };
      const a = gate.check(req);
      if (!a.ok) throw new Error(`${op.name} refused: ${a.errors[0]?.message}`);
    };
    for (let i = 0; i < 200; i++) run(i);
    const before = { ...gate.stats };
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) run(n++);
    const us = ((performance.now() - t0) / n) * 1000;
    const parses = gate.stats.parses - before.parses;
    console.log(`  ${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs/request  (${n} requests, ${parses} parses)`);
    return us;
  }

  console.log('\nResolving and checking the one operation (router/src/operation.ts)');
  const userHit = measure('user, registered operations (cache hits)', USER, (i) => web[i % web.length]!);
  const anonHit = measure('anonymous, public operations (cache hits)', ANON, (i) => publicOps[i % publicOps.length]!);
  // A distinct document text every time (a comment changes it): every request misses.
  const fresh = (ops: { name: string; query: string }[]) => (i: number) => {
    const op = ops[i % ops.length]!;
    return { name: op.name, query: `${op.query}\n# ${i}` };
  };
  const userMiss = measure('user, a new document every request (parse + requirements)', USER, fresh(web));
  const anonMiss = measure('anonymous, a new document every request (+ public validation)', ANON, fresh(publicOps));

  // Apollo Server's own work for a document it has not seen: parse + validate on the full schema.
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < durationMs) {
    const op = web[n % web.length]!;
    validate(api, parse(`${op.query}\n# ${n}`));
    n++;
  }
  const apollo = ((performance.now() - t0) / n) * 1000;
  console.log(
    `  ${'for scale: Apollo parse + validate of a new document'.padEnd(58)} ${apollo.toFixed(2).padStart(8)} µs/request`,
  );

  // The operation limits' share of a new document's check (measured on documents already parsed).
  const parsed = web.map((o) => {
    const document = parse(o.query);
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === o.name,
    )!;
    return { document, operation };
  });
  let m = 0;
  const t1 = performance.now();
  while (performance.now() - t1 < durationMs) {
    const { document, operation } = parsed[m % parsed.length]!;
    if (checkOperationLimits(document, operation, DEFAULT_OPERATION_LIMITS)) throw new Error('over a limit');
    m++;
  }
  const limits = ((performance.now() - t1) / m) * 1000;
  console.log(
    `  ${'of which: the operation limits (limits/operation-limits.ts)'.padEnd(58)} ${limits.toFixed(2).padStart(8)} µs/document`,
  );
  return { userHit, anonHit, userMiss, anonMiss, apollo, limits };
}
