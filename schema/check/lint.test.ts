// The lint rules, one failing and one passing fixture each: a failing fixture must produce
// exactly the issues listed (rule, coordinate, position), so a rule that stops firing, fires
// somewhere else or fires too often fails here. Positions are computed from the fixture text,
// so the expected line is the line a reader of the fixture sees.
import { buildSubgraph } from '@apollo/federation-internals';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { registrySubgraphs } from '../compose.ts';
import { LINT_RULES, lintSubgraph } from './lint.ts';
import type { LintRuleId } from './lint.ts';
import { LIMITS_SPEC_SDL } from '../../lib/src/limits-spec.ts';

const HEADER = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@inaccessible"])
`;

/** A federation 2 subgraph SDL: the @link header, then the body without its common indentation. */
function subgraph(body: string): string {
  const lines = body.replace(/^\n/, '').trimEnd().split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return `${HEADER}\n${lines.map((l) => l.slice(indent)).join('\n')}\n`;
}

/** 1-based line and column of the one occurrence of `needle` in `sdl`. */
function positionOf(sdl: string, needle: string): { line: number; column: number } {
  const index = sdl.indexOf(needle);
  if (index < 0 || sdl.indexOf(needle, index + 1) >= 0) {
    throw new Error(`fixture must contain ${JSON.stringify(needle)} exactly once`);
  }
  const before = sdl.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

interface Expected {
  rule: LintRuleId;
  coordinate: string;
  /** Text that starts at the reported position (unique in the fixture). */
  at: string;
}

function expectIssues(sdl: string, expected: Expected[]): void {
  const actual = lintSubgraph('fixture', sdl).map(({ rule, coordinate, line, column }) => ({
    rule,
    coordinate,
    line,
    column,
  }));
  const wanted = expected
    .map(({ rule, coordinate, at }) => ({ rule, coordinate, ...positionOf(sdl, at) }))
    .sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  expect(actual).toEqual(wanted);
}

function expectClean(sdl: string): void {
  expect(lintSubgraph('fixture', sdl)).toEqual([]);
}

const fixtures: Record<string, string> = {};
function fixture(name: string, body: string): string {
  const sdl = subgraph(body);
  fixtures[name] = sdl;
  return sdl;
}

describe('naming/type-pascal-case', () => {
  const bad = fixture(
    'type names, bad',
    `
    "Where a job is in its life."
    enum job_status {
      "Waiting for a worker."
      QUEUED
    }

    "Any JSON value."
    scalar jsonValue

    "Narrows a job list."
    input Job_Filter {
      "Only jobs in this status."
      status: job_status
    }

    extend type user_account @key(fields: "id") {
      "The account's id."
      id: ID!
    }
    `,
  );
  const good = fixture(
    'type names, good',
    `
    "Where a job is in its life."
    enum JobStatus {
      "Waiting for a worker."
      QUEUED
    }

    "Any JSON value."
    scalar JSONValue

    "Narrows a job list."
    input JobFilter {
      "Only jobs in this status."
      status: JobStatus
    }

    extend type UserAccount @key(fields: "id") {
      "The account's id."
      id: ID!
    }
    `,
  );

  it('reports enum, scalar, input and extended object type names that are not PascalCase', () => {
    expectIssues(bad, [
      { rule: 'naming/type-pascal-case', coordinate: 'job_status', at: 'job_status {' },
      { rule: 'naming/type-pascal-case', coordinate: 'jsonValue', at: 'jsonValue' },
      { rule: 'naming/type-pascal-case', coordinate: 'Job_Filter', at: 'Job_Filter' },
      { rule: 'naming/type-pascal-case', coordinate: 'user_account', at: 'user_account' },
    ]);
  });

  it('suggests the PascalCase name', () => {
    const messages = lintSubgraph('fixture', bad).map((i) => i.message);
    expect(messages).toContain('Type job_status is not PascalCase: rename it to JobStatus');
    expect(messages).toContain('Type user_account is not PascalCase: rename it to UserAccount');
  });

  it('accepts PascalCase names, acronyms included', () => expectClean(good));
});

describe('naming/field-camel-case', () => {
  const bad = fixture(
    'field names, bad',
    `
    type Query {
      "How many jobs match."
      job_count(Status: String): Int!
    }

    extend type Query {
      "Jobs enqueued today."
      JobsToday: Int!
    }

    "Narrows a job list."
    input JobFilter {
      "Only jobs created after this time."
      created_after: String
    }
    `,
  );
  const good = fixture(
    'field names, good',
    `
    type Query {
      "How many jobs match."
      jobCount(status: String): Int!
    }

    extend type Query {
      "Jobs enqueued today."
      jobsToday: Int!
    }

    "Narrows a job list."
    input JobFilter {
      "Only jobs created after this time."
      createdAfter: String
    }
    `,
  );

  it('reports fields, arguments, fields of extensions and input fields that are not camelCase', () => {
    expectIssues(bad, [
      { rule: 'naming/field-camel-case', coordinate: 'Query.job_count', at: 'job_count' },
      { rule: 'naming/field-camel-case', coordinate: 'Query.job_count(Status:)', at: 'Status' },
      { rule: 'naming/field-camel-case', coordinate: 'Query.JobsToday', at: 'JobsToday' },
      { rule: 'naming/field-camel-case', coordinate: 'JobFilter.created_after', at: 'created_after' },
    ]);
    expect(lintSubgraph('fixture', bad).map((i) => i.message)).toContain(
      'Input field JobFilter.created_after is not camelCase: rename it to createdAfter',
    );
  });

  it('accepts camelCase names', () => expectClean(good));
});

describe('naming/enum-value-upper-case', () => {
  const bad = fixture(
    'enum values, bad',
    `
    "Where a job is in its life."
    enum JobStatus {
      "Leased by a worker."
      inProgress
      "Completed."
      Done
    }
    `,
  );
  const good = fixture(
    'enum values, good',
    `
    "Where a job is in its life."
    enum JobStatus {
      "Leased by a worker."
      IN_PROGRESS
      "Completed."
      DONE
      "Gave up after the last attempt."
      DEAD_LETTERED_2
    }
    `,
  );

  it('reports enum values that are not UPPER_CASE', () => {
    expectIssues(bad, [
      { rule: 'naming/enum-value-upper-case', coordinate: 'JobStatus.inProgress', at: 'inProgress' },
      { rule: 'naming/enum-value-upper-case', coordinate: 'JobStatus.Done', at: 'Done' },
    ]);
    expect(lintSubgraph('fixture', bad)[0]!.message).toBe(
      'Enum value JobStatus.inProgress is not UPPER_CASE: rename it to IN_PROGRESS',
    );
  });

  it('accepts UPPER_CASE values', () => expectClean(good));
});

// The parts of a well-formed connection, shared by the pagination fixtures.
const JOB_ENTITY = `
    "A unit of background work."
    type Job @key(fields: "id") {
      "The job's id."
      id: ID!
      "Roles that may see the job: a list of enums, not of entities."
      visibleTo: [Role!]!
    }

    "Who may see a job."
    enum Role {
      "Everyone in the tenant."
      USER
    }

    "Where a page is in its list."
    type PageInfo @shareable {
      "True when there are items after this page."
      hasNextPage: Boolean!
      "True when there are items before this page."
      hasPreviousPage: Boolean!
      "Cursor of the first item of the page."
      startCursor: String
      "Cursor of the last item of the page."
      endCursor: String
    }`;

// A well-formed connection of JOB_ENTITY's Job.
const JOB_CONNECTION = `
    "A page of jobs."
    type JobConnection {
      "The jobs of this page with their cursors."
      edges: [JobEdge!]!
      "The jobs of this page."
      nodes: [Job!]!
      "Where this page is in the list."
      pageInfo: PageInfo!
      "How many jobs the whole list holds."
      totalCount: Int!
    }

    "A job and its position."
    type JobEdge {
      "Opaque position of the job."
      cursor: String!
      "The job."
      node: Job!
    }`;

describe('pagination/connection', () => {
  describe('list fields of Query and of entities', () => {
    const bad = fixture(
      'entity lists, bad',
      `
      type Query {
        "The tenant's jobs."
        jobs: [Job!]!
        "Jobs and workers matching a text."
        search(text: String!): [SearchResult]
      }

      "A job or a worker."
      union SearchResult = Job | Worker

      "A worker process."
      type Worker @key(fields: "id") {
        "The worker's id."
        id: ID!
        "Jobs the worker holds."
        heldJobs: [Job!]!
      }
      ${JOB_ENTITY}
      `,
    );
    const good = fixture(
      'entity lists, good',
      `
      type Query {
        "Job types the platform knows: a list of scalars."
        jobTypes: [String!]!
      }

      type Mutation {
        "Leases ready jobs."
        leaseJobs(input: LeaseJobsInput!): LeaseJobsPayload!
      }

      "What a worker asks for."
      input LeaseJobsInput {
        "At most this many jobs."
        max: Int!
      }

      "The leased jobs: a payload is not an entity, so a plain list is fine."
      type LeaseJobsPayload {
        "The jobs now leased."
        jobs: [Job!]!
      }
      ${JOB_ENTITY}
      `,
    );

    it('reports lists of objects and unions on Query and on entity types', () => {
      expectIssues(bad, [
        { rule: 'pagination/connection', coordinate: 'Query.jobs', at: 'jobs: [Job!]!' },
        { rule: 'pagination/connection', coordinate: 'Query.search', at: 'search' },
        { rule: 'pagination/connection', coordinate: 'Worker.heldJobs', at: 'heldJobs' },
      ]);
      expect(lintSubgraph('fixture', bad)[0]!.message).toBe(
        'Query.jobs returns a list of Job: return a JobConnection with first/after/last/before instead ' +
          '(a root query field must be paginated)',
      );
    });

    it('accepts lists of scalars and enums, and lists on payloads', () => expectClean(good));
  });

  describe('arguments of fields returning a connection', () => {
    const bad = fixture(
      'connection arguments, bad',
      `
      type Query {
        "The tenant's jobs."
        jobs(first: Int!, after: String): JobConnection!
        "Dead-lettered jobs."
        deadLetterJobs(first: Int, after: ID, last: Int, before: String): JobConnection!
      }
      ${JOB_CONNECTION}
      ${JOB_ENTITY}
      `,
    );
    const good = fixture(
      'connection arguments, good',
      `
      type Query {
        "The tenant's jobs."
        jobs(first: Int, after: String, last: Int, before: String, filter: String): JobConnection!
      }
      ${JOB_CONNECTION}
      ${JOB_ENTITY}
      `,
    );

    it('reports missing pagination arguments at the field and mistyped ones at the argument', () => {
      expectIssues(bad, [
        { rule: 'pagination/connection', coordinate: 'Query.jobs', at: 'jobs(' },
        { rule: 'pagination/connection', coordinate: 'Query.jobs(first:)', at: 'first: Int!' },
        { rule: 'pagination/connection', coordinate: 'Query.deadLetterJobs(after:)', at: 'after: ID' },
      ]);
      const messages = lintSubgraph('fixture', bad).map((i) => i.message);
      expect(messages[0]).toBe(
        'Query.jobs returns JobConnection without the pagination arguments last: Int, before: String: ' +
          'take the shared arguments (first: Int, after: String, last: Int, before: String)',
      );
    });

    it('accepts the shared arguments plus others', () => expectClean(good));
  });

  describe('shape of connection and edge types', () => {
    const bad = fixture(
      'connection shape, bad',
      `
      "A page of jobs."
      type JobConnection {
        "The jobs of this page with their cursors."
        edges: [JobEdge!]!
        "The jobs of this page."
        nodes: [Job]
        "Where this page is in the list."
        pageInfo: PageInfo!
      }

      "A job and its position."
      type JobEdge {
        "Opaque position of the job."
        cursor: String!
        "The job."
        node: Job
      }
      ${JOB_ENTITY}
      `,
    );
    const good = fixture(
      'connection shape, good',
      `
      ${JOB_CONNECTION}
      ${JOB_ENTITY}
      `,
    );

    it('reports missing and mistyped connection and edge fields', () => {
      expectIssues(bad, [
        { rule: 'pagination/connection', coordinate: 'JobConnection', at: 'JobConnection {' },
        { rule: 'pagination/connection', coordinate: 'JobConnection.nodes', at: 'nodes: [Job]' },
        { rule: 'pagination/connection', coordinate: 'JobEdge.node', at: 'node: Job' },
      ]);
      expect(lintSubgraph('fixture', bad)[0]!.message).toMatch(/^JobConnection lacks totalCount: Int!/);
    });

    it('accepts a Relay connection and edge', () => expectClean(good));
  });
});

describe('mutation/input-payload', () => {
  const bad = fixture(
    'mutations, bad',
    `
    type Mutation {
      "Adds a job."
      enqueueJob(type: String!, priority: Int): Job
      "Cancels a job."
      cancelJob(id: CancelJobInput!): CancelJobPayload!
      "Runs a job again."
      retryJob(input: RetryJobInput): RetryJobPayload
    }

    extend type Mutation {
      "Changes a job."
      updateJob(input: String!): UpdateJobResult!
    }

    "The job to cancel."
    input CancelJobInput {
      "The job's id."
      id: ID!
    }

    "The cancelled job."
    type CancelJobPayload {
      "Whether it was cancelled."
      cancelled: Boolean!
    }

    "The job to run again."
    input RetryJobInput {
      "The job's id."
      id: ID!
    }

    "The job queued again."
    type RetryJobPayload {
      "Whether it was queued."
      queued: Boolean!
    }

    "The changed job."
    type UpdateJobResult {
      "Whether it changed."
      changed: Boolean!
    }

    "A unit of background work."
    type Job @key(fields: "id") {
      "The job's id."
      id: ID!
    }
    `,
  );
  const good = fixture(
    'mutations, good',
    `
    type Mutation {
      "Cancels a job."
      cancelJob(input: CancelJobInput!): CancelJobPayload!
    }

    extend type Mutation {
      "Runs a job again."
      retryJob(input: RetryJobInput!): RetryJobPayload!
    }

    "The job to cancel."
    input CancelJobInput {
      "The job's id."
      id: ID!
    }

    "The cancelled job."
    type CancelJobPayload {
      "Whether it was cancelled."
      cancelled: Boolean!
    }

    "The job to run again."
    input RetryJobInput {
      "The job's id."
      id: ID!
    }

    "The job queued again."
    type RetryJobPayload {
      "Whether it was queued."
      queued: Boolean!
    }
    `,
  );

  it('reports argument lists, argument names and types, and return types that break the convention', () => {
    expectIssues(bad, [
      // Two arguments, and a nullable non-payload result: two issues on the same field.
      { rule: 'mutation/input-payload', coordinate: 'Mutation.enqueueJob', at: 'enqueueJob' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.enqueueJob', at: 'enqueueJob' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.cancelJob(id:)', at: 'id: CancelJobInput!' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.retryJob(input:)', at: 'input: RetryJobInput)' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.retryJob', at: 'retryJob' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.updateJob(input:)', at: 'input: String!' },
      { rule: 'mutation/input-payload', coordinate: 'Mutation.updateJob', at: 'updateJob' },
    ]);
    const messages = lintSubgraph('fixture', bad).map((i) => i.message);
    expect(messages).toContain(
      'Mutation.enqueueJob takes 2 arguments: take exactly one, input: EnqueueJobInput!, an input type holding them',
    );
    expect(messages).toContain(
      'Mutation.updateJob(input:) is String!: make it a non-null input object type named *Input ' +
        '(input: UpdateJobInput!)',
    );
  });

  it('accepts one non-null input argument and a non-null payload', () => expectClean(good));

  it('applies to the mutation root a schema definition names', () => {
    const sdl = subgraph(`
      schema {
        mutation: RootMutation
      }

      type RootMutation {
        "Cancels a job."
        cancelJob(id: ID!): Boolean!
      }
    `);
    expect(lintSubgraph('fixture', sdl).map((i) => [i.rule, i.coordinate])).toEqual([
      ['mutation/input-payload', 'RootMutation.cancelJob'],
      ['mutation/input-payload', 'RootMutation.cancelJob(id:)'],
    ]);
  });
});

describe('docs/description', () => {
  const bad = fixture(
    'descriptions, bad',
    `
    type Query {
      job(id: ID!): Job
    }

    type Job @key(fields: "id") {
      "The job's id."
      id: ID!
      ""
      status: JobStatus!
    }

    "Where a job is in its life."
    enum JobStatus {
      "Waiting for a worker."
      QUEUED
      RUNNING
    }

    input JobFilter {
      "Only jobs in this status."
      status: JobStatus
      type: String
    }

    scalar DateTime

    extend type Tenant @key(fields: "id") {
      "The tenant's id."
      id: ID!
      jobCount: Int!
    }
    `,
  );
  const good = fixture(
    'descriptions, good',
    `
    type Query {
      "One job; arguments need no description."
      job(id: ID!): Job
    }

    "A unit of background work."
    type Job @key(fields: "id") {
      "The job's id."
      id: ID!
      "Where the job is in its life."
      status: JobStatus!
      "Kept for the worker; not part of the public API."
      internalNote: String @inaccessible
    }

    "Where a job is in its life."
    enum JobStatus {
      "Waiting for a worker."
      QUEUED
      "Leased by a worker."
      RUNNING
    }

    "Narrows a job list."
    input JobFilter {
      "Only jobs in this status."
      status: JobStatus
      "Only jobs of this type."
      type: String
    }

    "An instant in time."
    scalar DateTime

    extend type Tenant @key(fields: "id") {
      "The tenant's id."
      id: ID!
      "How many jobs the tenant has."
      jobCount: Int!
    }
    `,
  );

  it('reports types, fields, input fields and enum values without a (non-blank) description', () => {
    expectIssues(bad, [
      { rule: 'docs/description', coordinate: 'Query.job', at: 'job(' },
      { rule: 'docs/description', coordinate: 'Job', at: 'Job @key' },
      { rule: 'docs/description', coordinate: 'Job.status', at: 'status: JobStatus!' },
      { rule: 'docs/description', coordinate: 'JobStatus.RUNNING', at: 'RUNNING' },
      { rule: 'docs/description', coordinate: 'JobFilter', at: 'JobFilter' },
      { rule: 'docs/description', coordinate: 'JobFilter.type', at: 'type: String' },
      { rule: 'docs/description', coordinate: 'DateTime', at: 'DateTime' },
      { rule: 'docs/description', coordinate: 'Tenant.jobCount', at: 'jobCount' },
    ]);
  });

  it('needs none on root types, extensions, arguments or @inaccessible elements', () => expectClean(good));
});

describe('limits/definition and limits/declaration', () => {
  const link = (url: string, composed: string[]) =>
    `extend schema @link(url: "${url}", import: ["@rateLimit", "@lockout"])\n` +
    composed.map((d) => `  @federation__composeDirective(name: "@${d}")\n`).join('');
  const spec = LIMITS_SPEC_SDL.replaceAll('\n', '\n    ');
  const good = fixture(
    'declared limits, good',
    `
    ${link('https://eventzr.dev/limits/v0.1', ['rateLimit', 'lockout'])}
    ${spec}
    type Mutation {
      "Signs in."
      login(input: LoginInput!): LoginPayload!
        @rateLimit(requests: 10, window: 60, per: IP)
        @rateLimit(requests: 20, window: 60, per: ARGUMENT, argument: "input.email")
        @lockout(argument: "input.email")
    }

    "Credentials."
    input LoginInput {
      "Email address."
      email: String!
    }

    "Tokens."
    type LoginPayload {
      "A token."
      token: String!
    }
    `,
  );
  const badDefinition = fixture(
    'declared limits definitions, bad',
    `
    ${link('https://eventzr.dev/limits/v0.2', ['rateLimit'])}
    ${spec.replace('window: Int!', 'window: Int')}
    type Query {
      "Hello."
      hello: String @rateLimit(requests: 1, window: 60)
    }
    `,
  );
  const badDeclarations = fixture(
    'declared limits, bad',
    `
    ${link('https://eventzr.dev/limits/v0.1', ['rateLimit', 'lockout'])}
    ${spec}
    type Mutation {
      "Imports jobs."
      importJobs(input: ImportJobsInput!): ImportJobsPayload!
        @rateLimit(requests: 10, window: 0)
        @rateLimit(requests: 10, window: 60, per: ARGUMENT)
        @rateLimit(requests: 10, window: 60, per: ARGUMENT, argument: "input.mail")
        @rateLimit(requests: 10, window: 60, per: ARGUMENT, argument: "input")
    }

    "What to import."
    input ImportJobsInput {
      "Where from."
      source: String!
    }

    "The import."
    type ImportJobsPayload {
      "Jobs imported."
      count: Int!
      "A report."
      report(format: String): String @lockout(argument: "format")
    }
    `,
  );

  it('reports another version of the spec, a directive not composed, and a definition that differs', () => {
    expectIssues(badDefinition, [
      { rule: 'limits/definition', coordinate: 'schema', at: '@link(url: "https://eventzr.dev/limits/v0.2"' },
      { rule: 'limits/definition', coordinate: '@lockout', at: '@link(url: "https://eventzr.dev/limits/v0.2"' },
      { rule: 'limits/definition', coordinate: '@rateLimit', at: 'rateLimit(\n' },
    ]);
    const messages = lintSubgraph('fixture', badDefinition).map((i) => i.message);
    expect(messages.join('\n')).toMatch(/without @composeDirective\(name: "@lockout"\)/);
    expect(messages.join('\n')).toMatch(/differs from lib\/src\/limits-spec.ts/);
  });

  it('reports a window below 1, per: ARGUMENT without a path or with one the field lacks, and @lockout off the roots', () => {
    expectIssues(badDeclarations, [
      { rule: 'limits/declaration', coordinate: 'Mutation.importJobs', at: '@rateLimit(requests: 10, window: 0)' },
      {
        rule: 'limits/declaration',
        coordinate: 'Mutation.importJobs',
        at: '@rateLimit(requests: 10, window: 60, per: ARGUMENT)',
      },
      {
        rule: 'limits/declaration',
        coordinate: 'Mutation.importJobs',
        at: '@rateLimit(requests: 10, window: 60, per: ARGUMENT, argument: "input.mail")',
      },
      {
        rule: 'limits/declaration',
        coordinate: 'Mutation.importJobs',
        at: '@rateLimit(requests: 10, window: 60, per: ARGUMENT, argument: "input")',
      },
      { rule: 'limits/declaration', coordinate: 'ImportJobsPayload.report', at: '@lockout(argument: "format")' },
    ]);
    const messages = lintSubgraph('fixture', badDeclarations).map((i) => i.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/window must be at least 1 second/),
        expect.stringMatching(/per: ARGUMENT needs argument/),
        expect.stringMatching(/ImportJobsInput has no input field "mail"/),
        expect.stringMatching(/"input" is an input object/),
        expect.stringMatching(/@lockout belongs on a Query or Mutation field/),
      ]),
    );
  });

  it('accepts the spec linked, composed and carried word for word, with valid declarations', () => expectClean(good));
});

describe('entity/key', () => {
  const bad = fixture(
    'entity keys, bad',
    `
    "A worker process."
    type Worker {
      "The worker's id."
      id: ID!
      "When it was last seen."
      lastSeenAt: String!
    }

    extend type Team {
      "The team's id."
      id: ID!
    }
    `,
  );
  const good = fixture(
    'entity keys, good',
    `
    "A worker process."
    type Worker @key(fields: "id") {
      "The worker's id."
      id: ID!
    }

    "A project, whose key is declared on an extension."
    type Project {
      "The project's id."
      id: ID!
    }

    extend type Project @key(fields: "id")

    "The worker after a change: a payload, not an entity."
    type UpdateWorkerPayload {
      "The worker's id."
      id: ID!
    }

    "A value without an identity of its own: its id is optional."
    type Attachment {
      "The attachment's id in the file store, when uploaded."
      id: ID
    }
    `,
  );

  it('reports object types with id: ID! and no @key, extensions included', () => {
    expectIssues(bad, [
      { rule: 'entity/key', coordinate: 'Worker', at: 'Worker' },
      { rule: 'entity/key', coordinate: 'Team', at: 'Team' },
    ]);
    expect(lintSubgraph('fixture', bad)[0]!.message).toMatch(/^Worker has an id: ID! field but no @key: add @key/);
  });

  it('accepts @key, keys on extensions, payloads and optional ids', () => expectClean(good));

  const namespaced = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5")

"A worker process."
type Worker @federation__key(fields: "id") {
  "The worker's id."
  id: ID!
}
`;
  const renamed = `extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.5", import: [{ name: "@key", as: "@primaryKey" }])

"A worker process."
type Worker @primaryKey(fields: "id") {
  "The worker's id."
  id: ID!
}
`;
  fixtures['entity keys, namespaced @key'] = namespaced;
  fixtures['entity keys, renamed @key'] = renamed;

  it('accepts @federation__key (federation not imported) and @key imported under another name', () => {
    expectClean(namespaced);
    expectClean(renamed);
  });
});

describe('lintSubgraph', () => {
  it('names the subgraph and sorts issues by position', () => {
    const sdl = subgraph(`
      type Query {
        "Jobs."
        all_jobs: [Job!]!
      }

      type Job {
        id: ID!
      }
    `);
    const issues = lintSubgraph('jobs', sdl);
    expect(issues.every((i) => i.subgraph === 'jobs')).toBe(true);
    const positions = issues.map((i) => [i.line, i.column]);
    expect(positions).toEqual([...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(issues.map((i) => i.rule)).toEqual([
      'naming/field-camel-case',
      'pagination/connection',
      'docs/description',
      'entity/key',
      'docs/description',
    ]);
  });

  it('skips directive definitions, the @link header and underscore names', () => {
    expectClean(
      subgraph(`
        directive @cache_control(max_age: Int) on FIELD_DEFINITION

        type Query {
          "Federation's own field, were it written out."
          _service: _Service!
          "A described field."
          ping: Boolean!
        }

        type _Service {
          sdl: String
        }
      `),
    );
  });

  it('throws the parse error, naming the subgraph', () => {
    let error: unknown;
    try {
      lintSubgraph('jobs', 'type Query {');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).message).toMatch(/^Syntax Error/);
    expect((error as GraphQLError).source?.name).toBe('jobs');
  });

  it('has an explanation for every rule, and every rule fails a fixture above', () => {
    for (const text of Object.values(LINT_RULES)) expect(text.trim()).not.toBe('');
    const fired = Object.entries(fixtures)
      .filter(([name]) => name.endsWith(', bad'))
      .flatMap(([, sdl]) => lintSubgraph('fixture', sdl).map((i) => i.rule));
    expect([...new Set(fired)].sort()).toEqual(Object.keys(LINT_RULES).sort());
  });

  it('uses fixtures that are valid federation 2 subgraphs', () => {
    expect(Object.keys(fixtures).length).toBeGreaterThan(10);
    for (const [name, sdl] of Object.entries(fixtures)) {
      expect(() => buildSubgraph(name, 'http://fixture', sdl).validate(), name).not.toThrow();
    }
  });
});

describe('the real subgraphs', () => {
  for (const { name, sdl, file } of registrySubgraphs()) {
    it(`${name} (${file}) has no lint issues`, () => {
      const issues = lintSubgraph(name, sdl);
      expect(issues.map((i) => `${i.line}:${i.column} ${i.rule} ${i.coordinate}: ${i.message}`)).toEqual([]);
    });
  }
});
