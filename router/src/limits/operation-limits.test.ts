// The operation limits on their own: what each measure counts (fragments, inline fragments,
// aliases on __typename, introspection apart, fragment bombs), the parse under a token limit, and
// that every contract operation and the introspection queries tools send pass the defaults.
// router/src/operation-limits.test.ts shows each limit's boundary over HTTP through a real router.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getIntrospectionQuery, GraphQLError, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CONTRACT_CLIENTS, CONTRACT_DIR, contractPresent } from '@eventzr/lib/contract';
import { registeredOperation, registeredOperations } from '@eventzr/lib/operations';
import {
  checkOperationLimits,
  DEFAULT_OPERATION_LIMITS,
  limitRefusal,
  measureOperation,
  parseDocument,
  TOO_DEEP_TO_PARSE,
  type OperationLimits,
  type OperationMeasures,
} from './operation-limits.ts';

const operationsOf = (doc: ReturnType<typeof parse>) =>
  doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

/** The measures of the document's operation `name` (default: its first). */
function measure(query: string, name?: string): OperationMeasures {
  const doc = parse(query);
  const ops = operationsOf(doc);
  return measureOperation(doc, name ? ops.find((o) => o.name?.value === name)! : ops[0]!);
}

/** The fewest tokens `parse` needs for `source`: graphql-js's own count. */
function tokensOf(source: string): number {
  let lo = 1;
  let hi = 1_000_000;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (parseDocument(source, mid) instanceof GraphQLError) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

describe('what each limit measures', () => {
  it('depth: field levels; fragments and inline fragments add none; the deepest branch counts', () => {
    expect(measure('{ a }').depth).toBe(1);
    expect(measure('{ a { b { c } } d }').depth).toBe(3);
    expect(measure('{ a { ... on A { b { c } } } }').depth).toBe(3);
    expect(measure('{ a { ...F } } fragment F on A { b { ...G } } fragment G on B { c { d } }').depth).toBe(4);
    expect(measure('{ ...R } fragment R on Query { a { b } }').depth).toBe(2);
  });

  it('introspection (a root __schema / __type, also through fragments) is measured apart', () => {
    expect(measure('{ __schema { types { fields { name } } } }')).toMatchObject({ depth: 0, introspectionDepth: 4 });
    expect(measure('{ a { b } __type(name: "A") { name } }')).toMatchObject({ depth: 2, introspectionDepth: 2 });
    expect(measure('{ ...I } fragment I on Query { ... on Query { __schema { types { name } } } }')).toMatchObject({
      depth: 0,
      introspectionDepth: 3,
    });
    // Only at the root: a field named __schema deeper down is an ordinary field (validation refuses it).
    expect(measure('{ a { __schema { b } } }')).toMatchObject({ depth: 3, introspectionDepth: 0 });
  });

  it('aliases: every aliased field, __typename included, counted as executed', () => {
    expect(measure('{ a b }').aliases).toBe(0);
    expect(measure('{ x: a y: __typename me { z: __typename id: id } }').aliases).toBe(4);
    // A fragment spread three times executes its aliases three times.
    expect(
      measure('{ me { ...F ...F } ...G } fragment F on U { a: id } fragment G on Query { b: me { id } }').aliases,
    ).toBe(3);
  });

  it('root fields: distinct response keys at the root through fragments, __typename not counted', () => {
    expect(measure('{ a b c: a __typename t: __typename }').rootFields).toBe(3);
    expect(measure('{ a a ...F ... on Query { b } } fragment F on Query { a c }').rootFields).toBe(3);
    expect(measure('mutation { r1: register r2: register }').rootFields).toBe(2);
  });

  it('directives: every use, on the operation, its variables, fields, fragments and spreads, as executed', () => {
    expect(measure('query Q($v: Int @d) @d { a @include(if: true) { b @skip(if: false) } }').directives).toBe(4);
    expect(measure('{ ...F @d ...F } fragment F on Query @d { a @d }').directives).toBe(5);
    expect(measure('{ ... on Query @d { a } }').directives).toBe(1);
  });

  it('field repeats: one response key in one selection set, through its fragments; aliases are other keys', () => {
    expect(measure('{ me { id name } }').fieldRepeats).toBe(1);
    expect(measure('{ me { id id id } }').fieldRepeats).toBe(3);
    expect(measure('{ me { a: id b: id } }').fieldRepeats).toBe(1);
    expect(measure('{ me { id ...F ... on U { id } } } fragment F on U { id }').fieldRepeats).toBe(3);
    expect(measure('{ __typename __typename }').fieldRepeats).toBe(2);
    // Per selection set: the same field under two parents is not repeated.
    expect(measure('{ a { id } b { id } }').fieldRepeats).toBe(1);
  });

  it('value depth: lists and objects in arguments, directive arguments and variable defaults, fragments included', () => {
    expect(measure('{ a(x: 1, y: "s", z: $v) }').valueDepth).toBe(0);
    expect(measure('{ a(x: [1, [2, [3]]], y: { b: { c: 1 } }) }').valueDepth).toBe(3);
    expect(measure('query ($v: [[Int]] = [[1]]) { a }').valueDepth).toBe(2);
    expect(measure('{ a @d(x: [[[1]]]) }').valueDepth).toBe(3);
    expect(measure('{ ...F } fragment F on Query @d(x: [[[[1]]]]) { a }').valueDepth).toBe(4);
    expect(measure('{ a { ...F } } fragment F on A { b(x: [{ y: [1] }]) }').valueDepth).toBe(3);
  });

  it('counts only the selected operation and the fragments it reaches', () => {
    const doc = `query Small { a } query Big { ${Array.from({ length: 50 }, (_, i) => `x${i}: a`).join(' ')} ...F }
      fragment F on Query { y: a } fragment Unused on Query { z: a { b { c { d } } } }`;
    expect(measure(doc, 'Small')).toMatchObject({ aliases: 0, rootFields: 1, depth: 1 });
    expect(measure(doc, 'Big')).toMatchObject({ aliases: 51, rootFields: 51, depth: 1 });
  });

  it('a fragment bomb is measured in linear time and reports what it would execute', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice ... : 2^40 aliases executed from a few hundred tokens.
    const n = 40;
    const frags = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
    const doc = `{ ...F0 } ${frags.join(' ')} fragment F${n} on Query { x: __typename }`;
    const m = measure(doc);
    expect(m.aliases).toBe(2 ** n);
    expect(m.fieldRepeats).toBe(2 ** n);
    expect(
      checkOperationLimits(parse(doc), operationsOf(parse(doc))[0]!, DEFAULT_OPERATION_LIMITS)?.extensions,
    ).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'aliases' });
  });

  it('unknown and cyclic fragment spreads add nothing (validation refuses them later)', () => {
    expect(measure('{ ...Nope a }')).toMatchObject({ depth: 1, rootFields: 1 });
    expect(measure('{ a { ...A } } fragment A on T { x: b ...B } fragment B on T { y: c ...A }')).toMatchObject({
      depth: 2,
      aliases: 2,
    });
  });
});

describe('limits: at the maximum passes, one over is refused with the limit and its maximum', () => {
  const limits: OperationLimits = {
    maxDepth: 3,
    maxIntrospectionDepth: 4,
    maxAliases: 2,
    maxRootFields: 2,
    maxTokens: 1000,
    maxDirectives: 2,
    maxFieldRepeats: 2,
    maxValueDepth: 2,
  };
  const refusalOf = (query: string) => {
    const doc = parse(query);
    const e = checkOperationLimits(doc, operationsOf(doc)[0]!, limits);
    return e && { message: e.message, ...e.extensions };
  };
  it.each([
    ['depth', '{ a { b { c } } }', '{ a { b { c { d } } } }', 3],
    [
      'introspectionDepth',
      '{ __schema { types { fields { name } } } }',
      '{ __schema { types { fields { type { name } } } } }',
      4,
    ],
    ['aliases', '{ a { x: b y: __typename } }', '{ a { x: b y: __typename z: c } }', 2],
    ['rootFields', '{ a b __typename }', '{ a b c }', 2],
    ['directives', '{ a @skip(if: false) @d }', '{ a @skip(if: false) @d b @d }', 2],
    ['fieldRepeats', '{ a { id id } }', '{ a { id id ...F } } fragment F on A { id }', 2],
    [
      'valueDepth',
      '{ a(x: [[1]], y: { z: [2] }) }',
      '{ a(x: [[1]]) { ...F } } fragment F on A { b(y: [{ z: [1] }]) }',
      2,
    ],
  ] as const)('%s', (limit, at, over, max) => {
    expect(refusalOf(at)).toBeUndefined();
    expect(refusalOf(over)).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit, max, http: { status: 400 } });
    expect(refusalOf(over)?.message).toMatch(new RegExp(`\\b${max}\\b`));
  });

  it('limitRefusal names the first limit exceeded; none when every measure is at its maximum', () => {
    const at: OperationMeasures = {
      depth: 3,
      introspectionDepth: 4,
      aliases: 2,
      rootFields: 2,
      directives: 2,
      fieldRepeats: 2,
      valueDepth: 2,
    };
    expect(limitRefusal(at, limits)).toBeUndefined();
    expect(limitRefusal({ ...at, directives: 3 }, limits)?.extensions.limit).toBe('directives');
  });
});

describe('parsing under the token limit', () => {
  it('at maxTokens parses, one over is the tokens limit (comments do not count)', () => {
    const query = '{ me { id } } # a comment of several words';
    const n = tokensOf(query);
    expect(n).toBe(6); // { me { id } }: punctuators and names; <EOF> and comments are not counted
    expect(parseDocument(query, n)).not.toBeInstanceOf(GraphQLError);
    const over = parseDocument(query, n - 1) as GraphQLError;
    expect(over.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'tokens', max: n - 1 });
    expect(over.message).toBe(`The document is larger than ${n - 1} tokens`);
  });

  it('a syntax error keeps graphql-js message and location, as GRAPHQL_PARSE_FAILED', () => {
    const e = parseDocument('{ me { id }', 100) as GraphQLError;
    expect(e.extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(e.message).toBe('Syntax Error: Expected Name, found <EOF>.');
    expect(e.locations).toEqual([{ line: 1, column: 12 }]);
  });

  it("100,000 levels of nesting: the token limit or, on a short stack, the parser's depth: a plain answer either way", () => {
    const deep = '{ a '.repeat(100_000) + '}'.repeat(100_000);
    // 5,000 tokens are 2,500 levels here: the parser stops at the limit or runs out of stack first.
    const e = parseDocument(deep, DEFAULT_OPERATION_LIMITS.maxTokens) as GraphQLError;
    expect([
      { code: 'OPERATION_LIMIT_EXCEEDED', message: 'The document is larger than 5000 tokens' },
      { code: 'GRAPHQL_PARSE_FAILED', message: TOO_DEEP_TO_PARSE },
    ]).toContainEqual({ code: e.extensions.code, message: e.message });
    // 1,000 levels are well within the stack: the limit answers.
    const shallower = '{ a '.repeat(1_000) + '}'.repeat(1_000);
    expect((parseDocument(shallower, 1_500) as GraphQLError).extensions.limit).toBe('tokens');
    // With no practical token limit the parser's stack overflows: a plain 400, never the RangeError's text.
    for (const doc of [deep, `{ a(x: ${'['.repeat(100_000)}1${']'.repeat(100_000)}) }`]) {
      const e = parseDocument(doc, 10_000_000) as GraphQLError;
      expect(e).toBeInstanceOf(GraphQLError);
      expect({ message: e.message, code: e.extensions.code }).toEqual({
        message: TOO_DEEP_TO_PARSE,
        code: 'GRAPHQL_PARSE_FAILED',
      });
    }
  });

  it('a document that parses but nests deeper than the stack measures is over the depth limit, not a crash', () => {
    // 30,000 fragments, each spreading the next at the same level: no field depth, a deep recursion.
    const n = 30_000;
    const frags = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} }`).join('\n');
    const doc = parseDocument(`{ ...F0 } ${frags} fragment F${n} on Query { a }`, 10_000_000);
    expect(doc).not.toBeInstanceOf(GraphQLError);
    const d = doc as ReturnType<typeof parse>;
    const e = checkOperationLimits(d, operationsOf(d)[0]!, { ...DEFAULT_OPERATION_LIMITS, maxTokens: 10_000_000 });
    expect(e?.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth' });
  });
});

describe('every operation clients send, and the introspection tools send, pass the defaults', () => {
  const check = (source: string, name: string) => {
    const doc = parseDocument(source, DEFAULT_OPERATION_LIMITS.maxTokens);
    if (doc instanceof GraphQLError) return doc.message;
    const op = operationsOf(doc).find((o) => (o.name?.value ?? '') === name);
    if (!op) return `no operation ${name}`;
    return checkOperationLimits(doc, op, DEFAULT_OPERATION_LIMITS)?.message;
  };

  it('every registered operation (schema/operations), as its client sends it', () => {
    const ops = [...registeredOperations().values()];
    expect(ops.length).toBeGreaterThan(10);
    for (const op of ops)
      expect(check(registeredOperation(op.name, op.client), op.name), `${op.client} ${op.name}`).toBeUndefined();
  });

  it.runIf(contractPresent())(
    'every contract operation (../shared/contract), each contract file sent whole with its operationName',
    () => {
      let n = 0;
      for (const file of Object.keys(CONTRACT_CLIENTS)) {
        const source = readFileSync(join(CONTRACT_DIR, file), 'utf8');
        for (const op of operationsOf(parse(source))) {
          n++;
          expect(check(source, op.name!.value), `${file} ${op.name!.value}`).toBeUndefined();
        }
        // The largest file still leaves room to grow under the token limit.
        expect(tokensOf(source)).toBeLessThan(DEFAULT_OPERATION_LIMITS.maxTokens / 2);
      }
      expect(n).toBeGreaterThan(30);
    },
  );

  it('graphql-js getIntrospectionQuery with every option (what Apollo Sandbox and codegen send), TypeRef up to 14 deep', () => {
    const all = {
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    };
    for (const options of [{}, all, { ...all, typeDepth: 7 }, { ...all, typeDepth: 9 }, { ...all, typeDepth: 14 }]) {
      const query = getIntrospectionQuery(options);
      expect(check(query, 'IntrospectionQuery'), JSON.stringify(options)).toBeUndefined();
    }
    // The default (typeDepth 9): 15 levels, __schema types fields args type and 9 ofType.
    expect(measure(getIntrospectionQuery()).introspectionDepth).toBe(15);
    // Deeper than any tool asks: refused, by the introspection limit (not the operation depth).
    expect(check(getIntrospectionQuery({ typeDepth: 15 }), 'IntrospectionQuery')).toBe(
      'The introspection nests fields deeper than 20 levels',
    );
  });
});
