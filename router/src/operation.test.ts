// The operation gate on its own, on the real supergraph (schema/supergraph.graphql for the
// layer-1 map, schema/api.graphql for what the gateway serves): which operation a request
// executes, what is refused before Apollo and with which status, what an anonymous caller's
// validation errors can name, and that documents are parsed once. router.test.ts shows the same
// over HTTP with real subgraphs; test/security.test.ts through the whole stack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isInterfaceType, isObjectType, parse, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Caller } from '@eventzr/lib/claims';
import { ROOT } from '@eventzr/lib/registry';
import { attacks, namesOutside, nonPublicNames, quotedNames, writtenNames } from './__fixtures__/attacks.ts';
import { internalScopes, internalWith, userWith } from './__fixtures__/callers.ts';
import { DEFAULT_OPERATION_LIMITS } from './limits/operation-limits.ts';
import {
  documentCache,
  createOperationGate,
  selectOperation,
  type GateAnswer,
  type OperationRequest,
} from './operation.ts';
import { callerSchemaOf, capabilityOf, publicSchemaOf, scopesNamed } from './caller-schema.ts';
import { loadSupergraph } from './supergraph.ts';

const supergraph = loadSupergraph(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'));
const api = buildSchema(readFileSync(join(ROOT, 'schema/api.graphql'), 'utf8'));
const security = supergraph.security;

const ANON: Caller = { kind: 'anonymous' };
const USER: Caller = {
  kind: 'user',
  userId: '00000000-0000-4000-8000-000000000001',
  tenantId: '00000000-0000-4000-8000-00000000000a',
  email: 'u@eventzr.com',
  name: 'U',
  roles: ['user'],
  permissions: ['jobs:read', 'jobs:create', 'users:read'],
  planTier: 'professional',
} as Caller;

function gate(production = false, introspection?: boolean) {
  const g = createOperationGate({ security, production, introspection });
  g.setSchema(api);
  return g;
}

const REGISTER = (alias = 'r') =>
  `${alias}: register(input: { email: "${alias}@example.com", password: "Abcdefg1", name: "A" }) { user { id } }`;
const JOBS = 'jobs(first: 1) { totalCount }';

/** The outcome in one line: "ok <name>" or "<status> <code>". */
function outcome(a: GateAnswer): string {
  if (a.ok) return `ok ${a.operation.type} ${a.operation.name ?? '(anonymous)'}`;
  return `${a.status} ${String(a.errors[0]?.extensions.code)}`;
}

describe('selectOperation: GraphQL GetOperation() with GraphQL-over-HTTP operationName rules', () => {
  const ops = (q: string) =>
    parse(q).definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const name = (r: ReturnType<typeof selectOperation>) => (typeof r === 'string' ? r : (r.name?.value ?? '(anon)'));
  it('missing, null and "" select the only operation; several → a request error', () => {
    for (const n of [undefined, null, '']) {
      expect(name(selectOperation(ops('{ a }'), n))).toBe('(anon)');
      expect(name(selectOperation(ops('query A { a }'), n))).toBe('A');
      expect(name(selectOperation(ops('query A { a } query B { b }'), n))).toMatch(/Must provide operation name/);
    }
    expect(name(selectOperation(ops('fragment F on Q { a }'), undefined))).toBe('Must provide an operation.');
  });
  it('a name selects that operation only; an unknown one (even "null") → a request error', () => {
    expect(name(selectOperation(ops('query A { a } mutation B { b }'), 'B'))).toBe('B');
    expect(name(selectOperation(ops('query A { a }'), 'C'))).toBe('Unknown operation named "C".');
    expect(name(selectOperation(ops('{ a }'), 'null'))).toBe('Unknown operation named "null".');
    expect(name(selectOperation(ops('query null { a }'), 'null'))).toBe('null');
  });
});

describe('operationName variants: every request resolves to one checked operation or is refused', () => {
  const g = gate();
  const check = (over: Partial<OperationRequest>) =>
    outcome(g.check({ query: '{ __typename }', operationName: undefined, method: 'POST', caller: ANON, ...over }));

  it('"" or missing with one operation: that operation, with every check applied (the bypass of issue 8)', () => {
    for (const operationName of ['', undefined, null]) {
      // Two public mutations under aliases: refused for anonymous callers however the name is sent.
      expect(check({ query: `mutation { ${REGISTER('a')} ${REGISTER('b')} }`, operationName })).toBe('400 BAD_REQUEST');
      // A protected field: 401 anonymous, served to a user holding the scope.
      expect(check({ query: `{ ${JOBS} }`, operationName })).toBe('401 UNAUTHENTICATED');
      expect(check({ query: `{ ${JOBS} }`, operationName, caller: USER })).toBe('ok query (anonymous)');
      // Layer-1 scopes for a user: workers needs jobs:admin.
      expect(check({ query: '{ workers { totalCount } }', operationName, caller: USER })).toBe('403 FORBIDDEN');
      // The root-field cap (an operation limit), whoever asks.
      const many = `{ ${Array.from({ length: DEFAULT_OPERATION_LIMITS.maxRootFields + 1 }, (_, i) => `j${i}: ${JOBS}`).join(' ')} }`;
      expect(check({ query: many, operationName, caller: USER })).toBe('400 OPERATION_LIMIT_EXCEEDED');
      expect(check({ query: many, operationName })).toBe('400 OPERATION_LIMIT_EXCEEDED');
      // One public mutation: served.
      expect(check({ query: `mutation { ${REGISTER()} }`, operationName })).toBe('ok mutation (anonymous)');
    }
  });

  it('several operations and no name, or an unknown name → 400 OPERATION_RESOLUTION_FAILURE', () => {
    const two = `query Jobs { ${JOBS} } mutation Register { ${REGISTER()} }`;
    for (const caller of [ANON, USER]) {
      for (const operationName of ['', undefined, null, 'Nope'])
        expect(check({ query: two, operationName, caller })).toBe('400 OPERATION_RESOLUTION_FAILURE');
      expect(check({ query: `mutation { ${REGISTER()} }`, operationName: 'Register', caller })).toBe(
        '400 OPERATION_RESOLUTION_FAILURE',
      );
      expect(check({ query: 'fragment F on Query { __typename }', caller })).toBe('400 OPERATION_RESOLUTION_FAILURE');
    }
  });

  it('a name selects that operation, and the checks are those of the named one', () => {
    const two = `query Jobs { ${JOBS} } mutation Register { ${REGISTER()} }`;
    expect(check({ query: two, operationName: 'Jobs', caller: USER })).toBe('ok query Jobs');
    expect(check({ query: two, operationName: 'Register', caller: USER })).toBe('ok mutation Register');
    const user = g.check({
      query: `query Me { me { id } } query Jobs { ${JOBS} }`,
      operationName: 'Jobs',
      method: 'POST',
      caller: USER,
    });
    expect(outcome(user)).toBe('ok query Jobs');
    // Anonymous: a public operation next to a protected one is served by name...
    const pub = `mutation Register { ${REGISTER()} } mutation Login { login(input: { email: "a", password: "b" }) { accessToken } }`;
    expect(check({ query: pub, operationName: 'Register' })).toBe('ok mutation Register');
    expect(check({ query: pub, operationName: 'Login' })).toBe('ok mutation Login');
    // ...but a document is validated whole (as GraphQL asks), against the public part: one that
    // holds a protected operation is refused whichever operation is named.
    expect(check({ query: two, operationName: 'Register' })).toBe('401 UNAUTHENTICATED');
    expect(check({ query: two, operationName: 'Jobs' })).toBe('401 UNAUTHENTICATED');
  });

  it('a subscription (named, anonymous or with operationName "") → 400 GRAPHQL_VALIDATION_FAILED', () => {
    for (const caller of [ANON, USER])
      for (const [query, operationName] of [
        ['subscription { jobs { id } }', ''],
        ['subscription { jobs { id } }', undefined],
        ['subscription S { __typename }', 'S'],
      ] as const)
        expect(check({ query, operationName, caller })).toBe('400 GRAPHQL_VALIDATION_FAILED');
  });

  it('GET never resolves to a mutation: 405 with Allow: POST; the query of the same document is served', () => {
    const two = `query Jobs { ${JOBS} } mutation Register { ${REGISTER()} }`;
    for (const caller of [ANON, USER]) {
      const m = g.check({ query: `mutation { ${REGISTER()} }`, operationName: '', method: 'GET', caller });
      expect(outcome(m)).toBe('405 BAD_REQUEST');
      expect(!m.ok && m.headers).toEqual({ allow: 'POST' });
      expect(check({ query: two, operationName: 'Register', method: 'GET', caller })).toBe('405 BAD_REQUEST');
      expect(check({ query: two, operationName: undefined, method: 'GET', caller })).toBe(
        '400 OPERATION_RESOLUTION_FAILURE',
      );
    }
    expect(check({ query: two, operationName: 'Jobs', method: 'GET', caller: USER })).toBe('ok query Jobs');
    expect(check({ query: two, operationName: 'Jobs', method: 'GET' })).toBe('401 UNAUTHENTICATED');
  });

  it('a document that does not parse → 400 GRAPHQL_PARSE_FAILED; a non-string operationName → 400', () => {
    expect(check({ query: '{ jobs' })).toBe('400 GRAPHQL_PARSE_FAILED');
    expect(check({ query: '{ __typename }', operationName: 5 })).toBe('400 BAD_REQUEST');
  });
});

describe('work per request', () => {
  it('parses a document once, checks its limits once, validates it against the public schema once, computes requirements once', () => {
    const g = gate();
    const req: OperationRequest = {
      query: `mutation M { ${REGISTER()} }`,
      operationName: 'M',
      method: 'POST',
      caller: ANON,
    };
    for (let i = 0; i < 5; i++) expect(g.check(req).ok).toBe(true);
    expect(g.check({ ...req, operationName: '' }).ok).toBe(true);
    expect(g.stats).toEqual({ parses: 1, publicValidations: 1, callerValidations: 0, requirements: 1, limitChecks: 1 });
    // A user's request of the same document reuses the parse and the requirements; it is
    // validated against the user's schema once, which every caller with the same permissions shares.
    expect(g.check({ ...req, caller: USER }).ok).toBe(true);
    expect(g.stats).toEqual({ parses: 1, publicValidations: 1, callerValidations: 1, requirements: 1, limitChecks: 1 });
    expect(g.check({ ...req, caller: { ...USER, userId: 'another' } as Caller }).ok).toBe(true);
    expect(g.stats).toEqual({ parses: 1, publicValidations: 1, callerValidations: 1, requirements: 1, limitChecks: 1 });
    // A new schema (the gateway reloaded) starts afresh.
    g.setSchema(api);
    expect(g.check(req).ok).toBe(true);
    expect(g.stats).toEqual({ parses: 2, publicValidations: 2, callerValidations: 1, requirements: 2, limitChecks: 2 });
  });

  it('a refusal by the limits is cached with the document too: measured once per operation, before any validation', () => {
    const g = createOperationGate({
      security,
      production: false,
      limits: { ...DEFAULT_OPERATION_LIMITS, maxDepth: 2 },
    });
    g.setSchema(api);
    const query = 'query Deep { me { tenant { id } } } query Shallow { me { id } }';
    const deep: OperationRequest = { query, operationName: 'Deep', method: 'POST', caller: ANON };
    for (let i = 0; i < 3; i++) expect(outcome(g.check(deep))).toBe('400 OPERATION_LIMIT_EXCEEDED');
    expect(g.stats).toEqual({ parses: 1, publicValidations: 0, callerValidations: 0, requirements: 0, limitChecks: 1 });
    // The other operation of the same document is measured on its own (and is within the limits).
    expect(outcome(g.check({ ...deep, operationName: 'Shallow', caller: USER }))).toBe('ok query Shallow');
    expect(outcome(g.check({ ...deep, operationName: 'Shallow', caller: USER }))).toBe('ok query Shallow');
    expect(g.stats).toEqual({ parses: 1, publicValidations: 0, callerValidations: 1, requirements: 1, limitChecks: 2 });
    // Over the token limit: remembered like a syntax error, the text is not read again.
    const big: OperationRequest = { ...deep, query: `{ ${'__typename '.repeat(6000)}}` };
    for (let i = 0; i < 3; i++) expect(outcome(g.check(big))).toBe('400 OPERATION_LIMIT_EXCEEDED');
    expect(g.stats.parses).toBe(2);
  });

  it('the document cache is bounded by entries and by characters, least recently used out first', () => {
    const c = documentCache<number>(3, 400);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1);
    c.set('d', 4);
    expect([c.get('a'), c.get('b'), c.get('c'), c.get('d')]).toEqual([1, undefined, 3, 4]);
    c.set('x'.repeat(90), 5);
    c.set('y'.repeat(90), 6);
    expect(c.size).toBeLessThanOrEqual(3);
    c.set('z'.repeat(200), 7); // over a quarter of the budget: not kept
    expect(c.get('z'.repeat(200))).toBeUndefined();
    c.set('w'.repeat(100), 8);
    c.set('v'.repeat(100), 9);
    c.set('u'.repeat(100), 10);
    expect(c.size).toBe(3);
    c.set('t'.repeat(100), 11); // 400 characters at most: the oldest goes
    expect(c.get('w'.repeat(100))).toBeUndefined();
  });
});

describe('anonymous validation sees the public schema only', () => {
  const hidden = nonPublicNames(api, security);

  it('the public schema holds the public root fields and what they reach, nothing protected', () => {
    const pub = publicSchemaOf(api, security);
    expect(Object.keys(pub.schema.getMutationType()!.getFields()).sort()).toEqual(
      Object.keys(api.getMutationType()!.getFields())
        .filter((f) => !security.has(`Mutation.${f}`))
        .sort(),
    );
    expect(Object.keys(pub.schema.getQueryType()!.getFields())).toEqual(
      Object.keys(api.getQueryType()!.getFields()).filter((f) => !security.has(`Query.${f}`)),
    );
    for (const [key] of security) {
      const [typeName, fieldName] = key.split('.') as [string, string];
      const t = pub.schema.getType(typeName);
      if (isObjectType(t) || isInterfaceType(t)) expect(t.getFields()[fieldName], key).toBeUndefined();
    }
    // Names a stranger must not learn: the protected operations, Job, the worker protocol...
    for (const n of ['jobs', 'Job', 'leaseJobs', 'Worker', 'EnqueueJobInput', 'roles', 'permissions'])
      expect(hidden, n).toContain(n);
    expect(hidden).not.toContain('register');
  });

  it('no attack message names a non-public type, field, argument or enum value (production and development)', () => {
    const docs = attacks(api);
    const seen = new Set<string>();
    for (const production of [true, false]) {
      const g = gate(production);
      for (const query of docs) {
        const a = g.check({ query, operationName: undefined, method: 'POST', caller: ANON });
        const messages = a.ok ? [] : a.errors.map((e) => e.message);
        if (a.ok) continue; // valid against the public schema: nothing to learn from
        seen.add(`${a.status}`);
        for (const m of messages) {
          const leaked = quotedNames(m).filter((n) => hidden.has(n));
          expect(leaked, `${query} → ${m}`).toEqual([]);
          if (production) expect(m, query).not.toMatch(/Did you mean/);
        }
      }
    }
    // Both kinds of answer were exercised: the fixed 401 and ordinary 400 validation errors.
    expect(seen).toEqual(new Set(['400', '401']));
  });

  it('the same attacks validated against the full schema (what authenticated callers get) would leak: the check can fail', () => {
    const leaks = attacks(api)
      .flatMap((q) => validate(api, parse(q)).map((e) => e.message))
      .filter((m) => quotedNames(m).some((n) => hidden.has(n)));
    expect(leaks.length).toBeGreaterThan(10);
    expect(leaks.some((m) => /Did you mean "jobs"/.test(m))).toBe(true);
  });

  it('a document outside the public part is one fixed 401, whatever it names (no oracle)', () => {
    const g = gate(true);
    const answers = [
      '{ jobs { totalCount } }',
      '{ jbos { totalCount } }',
      '{ nothingAtAll }',
      'query ($v: Job) { __typename }',
    ]
      .map((query) => g.check({ query, operationName: undefined, method: 'POST', caller: ANON }))
      .map((a) => (a.ok ? 'ok' : `${a.status} ${a.errors.map((e) => e.message).join()}`));
    expect(new Set(answers)).toEqual(new Set(['401 Authentication required: send a bearer token']));
  });

  it('errors inside the public part stay useful: required input fields, wrong values, unknown fields of a complete type', () => {
    const g = gate(true);
    const messages = (query: string) => {
      const a = g.check({ query, operationName: undefined, method: 'POST', caller: ANON });
      return a.ok ? [] : [a.status, ...a.errors.map((e) => [e.message, e.extensions.code])];
    };
    expect(messages('mutation { register(input: { email: "a" }) { user { id } } }')).toEqual([
      400,
      ['Field "RegisterInput.password" of required type "String!" was not provided.', 'GRAPHQL_VALIDATION_FAILED'],
      ['Field "RegisterInput.name" of required type "String!" was not provided.', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    expect(messages('mutation { login(input: { email: "a", password: "b" }) { acessToken } }')).toEqual([
      400,
      ['Cannot query field "acessToken" on type "LoginPayload".', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
  });
});

describe('authenticated callers are validated against their own schema', () => {
  const CALLERS: Record<string, Caller> = {
    // A token granting jobs:read and no role: fewer scopes than any role.
    reader: userWith([], ['jobs:read']),
    user: userWith(['user']),
    admin: userWith(['admin']),
    internal: internalWith(internalScopes(security)),
  };
  const hiddenCache = new Map<Caller, Set<string>>();
  const hiddenFrom = (caller: Caller) => {
    let hidden = hiddenCache.get(caller);
    if (!hidden)
      hiddenCache.set(
        caller,
        (hidden = namesOutside(api, callerSchemaOf(api, security, capabilityOf(caller, scopesNamed(security))).names)),
      );
    return hidden;
  };
  /** Names outside the caller's schema that a message names and the document did not write. */
  const leaked = (caller: Caller, query: string, message: string) => {
    const hidden = hiddenFrom(caller);
    const written = writtenNames(query);
    return quotedNames(message).filter((n) => hidden.has(n) && !written.has(n));
  };

  it("no message names anything outside the caller's schema that the document did not write (production and development)", () => {
    const docs = attacks(api);
    for (const [name, caller] of Object.entries(CALLERS)) {
      const hidden = hiddenFrom(caller);
      const seen = new Set<string>();
      for (const production of [true, false]) {
        const g = gate(production);
        for (const query of docs) {
          const a = g.check({ query, operationName: undefined, method: 'POST', caller });
          if (a.ok) continue;
          seen.add(`${a.status}`);
          for (const e of a.errors) {
            const names = quotedNames(e.message).filter((n) => hidden.has(n) && !writtenNames(query).has(n));
            expect(names, `${name}: ${query} → ${e.message}`).toEqual([]);
            if (production) expect(e.message, query).not.toMatch(/Did you mean/);
          }
        }
      }
      // Known fields it may not call (layer 1's 403) and ordinary validation errors were both exercised.
      expect([...seen].sort(), name).toEqual(['400', '403']);
    }
  });

  it('the same attacks validated against the full schema would name such things to every one of them: the check can fail', () => {
    for (const [name, caller] of Object.entries(CALLERS)) {
      const leaks = attacks(api).flatMap((query) =>
        validate(api, parse(query)).flatMap((e) => leaked(caller, query, e.message)),
      );
      expect(leaks.length, name).toBeGreaterThan(5);
    }
  });

  it("a known field the caller may not call keeps layer 1's answer, and nothing below it is validated", () => {
    const g = gate(false);
    const user = CALLERS.user!;
    const a = g.check({ query: '{ workers { totlCount } }', operationName: undefined, method: 'POST', caller: user });
    expect(outcome(a)).toBe('403 FORBIDDEN');
    expect(!a.ok && a.errors[0]!.message).toBe('Missing required permission: jobs:admin');
    // What validation against the full schema would have said instead.
    expect(validate(api, parse('{ workers { totlCount } }')).map((e) => e.message)).toEqual([
      'Cannot query field "totlCount" on type "WorkerConnection". Did you mean "totalCount"?',
    ]);
    // Internal callers asking for a user's field: 403 as before.
    const me = g.check({ query: '{ me { id } }', operationName: undefined, method: 'POST', caller: CALLERS.internal! });
    expect(!me.ok && [me.status, me.errors[0]!.message]).toEqual([403, 'A user token is required']);
  });

  it("a misspelling is an ordinary 400 whose suggestions (development only) come from the caller's schema", () => {
    const check = (query: string, caller: Caller, production = false) => {
      const a = gate(production).check({ query, operationName: undefined, method: 'POST', caller });
      return a.ok
        ? 'ok'
        : `${a.status} ${String(a.errors[0]!.extensions.code)} ${a.errors.map((e) => e.message).join(' | ')}`;
    };
    // "worker" is one letter off `workers`, which only admins may call.
    expect(check('{ worker { totalCount } }', CALLERS.admin!)).toMatch(/Did you mean "workers"/);
    expect(check('{ worker { totalCount } }', CALLERS.user!)).not.toMatch(/workers/);
    expect(check('{ worker { totalCount } }', CALLERS.user!)).toMatch(
      /^400 GRAPHQL_VALIDATION_FAILED Cannot query field "worker" on type "Query"/,
    );
    expect(validate(api, parse('{ worker { totalCount } }'))[0]!.message).toMatch(/Did you mean "workers"/);
    expect(check('{ jobMetric { queued } }', CALLERS.user!)).toMatch(/Did you mean "jobMetrics"/);
    expect(check('{ jobMetric { queued } }', CALLERS.user!, true)).not.toMatch(/Did you mean/);
    // A type outside its schema is unknown to it, exactly like a type that does not exist.
    const outside = check('query ($v: SetTenantJobQuotaInput) { __typename }', CALLERS.user!, true);
    const none = check('query ($v: NoSuchInput) { __typename }', CALLERS.user!, true);
    expect(outside).toMatch(/^400 GRAPHQL_VALIDATION_FAILED Unknown type "SetTenantJobQuotaInput"\./);
    expect(outside.replace('SetTenantJobQuotaInput', 'X')).toBe(none.replace('NoSuchInput', 'X'));
    expect(check('query ($v: SetTenantJobQuotaInput) { __typename }', CALLERS.admin!, true)).toMatch(
      /^400 .*never used/,
    );
  });

  it('a document is validated whole: a field the caller may not call in another operation refuses it', () => {
    const g = gate();
    const query = 'query Me { me { id } } query Workers { workers { totlCount } }';
    for (const operationName of ['Me', 'Workers']) {
      const a = g.check({ query, operationName, method: 'POST', caller: CALLERS.user! });
      expect(outcome(a), operationName).toBe('403 FORBIDDEN');
      expect(!a.ok && a.errors[0]!.message).toBe('Missing required permission: jobs:admin');
    }
    expect(outcome(g.check({ query, operationName: 'Me', method: 'POST', caller: CALLERS.admin! }))).toBe(
      '400 GRAPHQL_VALIDATION_FAILED',
    );
  });
});

describe("introspection: answered from the caller's schema, where enabled", () => {
  const user = userWith(['user']);
  const check = (g: ReturnType<typeof gate>, query: string, caller: Caller) =>
    g.check({ query, operationName: undefined, method: 'POST', caller });

  it('an operation of __schema / __type / __typename only is marked for the router to answer', () => {
    const g = gate(false);
    for (const query of [
      '{ __schema { queryType { name } } }',
      '{ __type(name: "Job") { name } __typename }',
      '{ __typename }',
    ])
      for (const caller of [ANON, user]) {
        const a = check(g, query, caller);
        expect(a.ok && a.operation.introspection, query).toBe(true);
      }
    const a = check(g, '{ me { id } __typename }', user);
    expect(a.ok && a.operation.introspection).toBeUndefined();
  });

  it('next to ordinary root fields (directly or through fragments) → 400, whoever asks', () => {
    const g = gate(false);
    for (const query of [
      '{ __schema { queryType { name } } me { id } }',
      '{ ...F } fragment F on Query { __type(name: "Job") { name } jobMetrics { queued } }',
    ]) {
      const a = check(g, query, user);
      expect(outcome(a), query).toBe('400 GRAPHQL_VALIDATION_FAILED');
      expect(!a.ok && a.errors[0]!.message).toMatch(/cannot be combined with other root fields/);
    }
  });

  it('disabled (production by default): __schema / __type refused for users as for everyone; __typename served', () => {
    const off = gate(true);
    for (const caller of [user, userWith(['admin']), internalWith(internalScopes(security))]) {
      expect(outcome(check(off, '{ __schema { queryType { name } } }', caller))).toBe('400 GRAPHQL_VALIDATION_FAILED');
      expect(outcome(check(off, '{ __type(name: "Job") { name } }', caller))).toBe('400 GRAPHQL_VALIDATION_FAILED');
      expect(outcome(check(off, '{ __typename }', caller))).toBe('ok query (anonymous)');
    }
    expect(outcome(check(gate(true, true), '{ __schema { queryType { name } } }', user))).toBe('ok query (anonymous)');
  });
});

describe('the Apollo plugin hands Apollo the checked operation and nothing else', () => {
  type Hooks = { didResolveOperation(rc: unknown): Promise<void> };
  async function start(context: Record<string, unknown>, operationName: string | undefined) {
    const g = gate();
    const request: { query: string; operationName?: string } = { query: '{ __typename }', operationName };
    const hooks = (await g.plugin.requestDidStart!({ request, contextValue: context } as never)) as unknown as Hooks;
    return { request, hooks };
  }
  const op = (query: string, name?: string) =>
    parse(query).definitions.find(
      (d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && d.name?.value === name,
    );

  it('sets operationName to the checked one ("" becomes none) and lets exactly that operation through', async () => {
    const source = 'mutation { a }';
    const checked = { name: undefined, type: 'mutation', source };
    const { request, hooks } = await start({ operation: checked }, '');
    expect(request.operationName).toBeUndefined();
    await expect(hooks.didResolveOperation({ operation: op(source), source })).resolves.toBeUndefined();
  });

  it('refuses to execute an unchecked request or any other operation', async () => {
    const source = 'query A { a } query B { b }';
    const checked = { name: 'A', type: 'query', source };
    const { hooks } = await start({ operation: checked }, 'A');
    await expect(hooks.didResolveOperation({ operation: op(source, 'B'), source })).rejects.toThrow(/not the one/);
    await expect(hooks.didResolveOperation({ operation: undefined, source })).rejects.toThrow(/not the one/);
    await expect(hooks.didResolveOperation({ operation: op(source, 'A'), source: `${source} ` })).rejects.toThrow();
    const unchecked = await start({}, 'A');
    await expect(unchecked.hooks.didResolveOperation({ operation: op(source, 'A'), source })).rejects.toThrow();
  });
});
