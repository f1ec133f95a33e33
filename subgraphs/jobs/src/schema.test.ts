// The jobs SDL: it composes with the other subgraphs, the contract's jobs operations validate
// against the composed API exactly as written (and their subgraph part against this subgraph),
// the pieces every subgraph shares are byte-identical, and everything is described.
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSchema, Kind, parse, validate, type DefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { composeSubgraphs, registrySubgraphs } from '../../../schema/compose.ts';
import { resolvers } from './resolvers/index.ts';
import { subgraph } from './subgraph.ts';
import * as ops from './test-support.ts';

const CONTRACT = {
  EnqueueJob: ops.CONTRACT_ENQUEUE_JOB,
  Jobs: ops.CONTRACT_JOBS,
  JobsBackward: ops.JOBS_BACKWARD,
  Job: ops.JOB,
  UpdateJob: ops.UPDATE_JOB,
  CancelJob: ops.CANCEL_JOB,
  RetryJob: ops.RETRY_JOB,
  DeadLetterJobs: ops.DEAD_LETTER_JOBS,
  JobMetrics: ops.JOB_METRICS,
  Workers: ops.WORKERS,
  LeaseJobs: ops.LEASE_JOBS,
  HeartbeatJob: ops.HEARTBEAT_JOB,
  CompleteJob: ops.COMPLETE_JOB,
  FailJob: ops.FAIL_JOB,
};

describe('the jobs SDL', () => {
  it('composes with every subgraph of the supergraph', () => {
    const result = composeSubgraphs(registrySubgraphs());
    expect(result.errors.map((e) => e.message)).toEqual([]);
    // Descriptions of the auth subgraph's User and Tenant are repeated here; if auth rewords
    // them composition only hints, so that one kind of hint is tolerated.
    const hints = result.hints.filter((h) => h.code !== 'INCONSISTENT_DESCRIPTION');
    expect(hints.map((h) => h.message)).toEqual([]);
    if (result.apiSdl) {
      const api = buildSchema(result.apiSdl);
      for (const [name, op] of Object.entries(CONTRACT)) {
        expect(
          validate(api, parse(op)).map((e) => e.message),
          name,
        ).toEqual([]);
      }
      // The TenantDashboard's jobs part: Tenant.jobQuota.
      const dashboard = parse(`query { me { tenant { id jobQuota { limit used remaining } } } }`);
      expect(validate(api, dashboard).map((e) => e.message)).toEqual([]);
    }
  });

  it('serves the subgraph part of every contract operation', () => {
    const schema = buildSubgraphSchema({
      typeDefs: subgraph.typeDefs,
      resolvers: resolvers as never,
    });
    for (const [name, op] of Object.entries(CONTRACT)) {
      expect(
        validate(schema, parse(ops.subgraphOperation(op))).map((e) => e.message),
        name,
      ).toEqual([]);
    }
  });

  it('holds the shared pieces byte for byte', () => {
    expect(subgraph.sdl).toContain('\nscalar DateTime\n');
    expect(subgraph.sdl).toContain('\nscalar JSON\n');
    expect(subgraph.sdl).toContain(
      [
        '"Where a page is in its list (Relay cursor connections)."',
        'type PageInfo @shareable {',
        '  "True when the list has items after this page (forward pagination)."',
        '  hasNextPage: Boolean!',
        '  "True when the list has items before this page (backward pagination)."',
        '  hasPreviousPage: Boolean!',
        '  "Cursor of the first item of the page; null when the page is empty."',
        '  startCursor: String',
        '  "Cursor of the last item of the page; null when the page is empty."',
        '  endCursor: String',
        '}',
      ].join('\n'),
    );
  });

  it('describes every type, field, argument-carrying input field and enum value of its own', () => {
    const shared = new Set(['PageInfo', 'DateTime', 'JSON', 'Query', 'Mutation']);
    const missing: string[] = [];
    const doc = parse(subgraph.sdl);
    for (const def of doc.definitions as readonly (DefinitionNode & {
      name?: { value: string };
      description?: unknown;
    })[]) {
      if (!def.name || shared.has(def.name.value)) {
        if (def.name && (def.name.value === 'Query' || def.name.value === 'Mutation') && 'fields' in def) {
          for (const f of (def.fields ?? []) as readonly { name: { value: string }; description?: unknown }[])
            if (!f.description) missing.push(`${def.name.value}.${f.name.value}`);
        }
        continue;
      }
      if (def.kind === Kind.SCHEMA_EXTENSION) continue;
      if (!def.description) missing.push(def.name.value);
      const children = [
        ...(('fields' in def ? def.fields : []) ?? []),
        ...(('values' in def ? def.values : []) ?? []),
      ] as readonly { name: { value: string }; description?: unknown }[];
      for (const c of children) if (!c.description) missing.push(`${def.name.value}.${c.name.value}`);
    }
    expect(missing).toEqual([]);
  });
});
