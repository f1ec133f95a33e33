// lib's input rules: one error shape, the text policy, ids, JSON and dates, each accepted and refused.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './errors.ts';
import { dateTime, isoDateTime, json, MAX_JSON_DEPTH, parseInput, storableText, text, uuid } from './inputs.ts';

/** The error parseInput throws, as a client sees it. */
function refusal(schema: z.ZodType, input: unknown) {
  try {
    parseInput(schema, input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    return { code: e.code, message: e.message, field: e.extensions.field, issues: e.extensions.issues };
  }
  throw new Error('expected a refusal');
}

/** An object nested `depth` levels deep, built without recursion (a deep one would overflow the stack). */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('parseInput', () => {
  const schema = z.object({ name: text({ min: 1, max: 5 }), age: z.number().int() });

  it('returns the parsed value', () => {
    expect(parseInput(schema, { name: 'Ada', age: 36 })).toEqual({ name: 'Ada', age: 36 });
  });

  it('refuses with BAD_USER_INPUT naming the first field, and lists every issue', () => {
    expect(refusal(schema, { name: 'Adalbert', age: 1.5 })).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'Invalid `name`: must be at most 5 characters',
      field: 'name',
      issues: [
        { field: 'name', message: 'must be at most 5 characters' },
        { field: 'age', message: expect.any(String) },
      ],
    });
  });

  it('answers a rule over the whole input with its own message', () => {
    const either = z.object({ a: z.string().optional(), b: z.string().optional() }).refine((v) => !v.a !== !v.b, {
      message: 'Pass either a or b',
    });
    expect(refusal(either, {})).toMatchObject({ message: 'Pass either a or b', field: 'input' });
  });
});

describe('text', () => {
  const name = text({ trim: true, min: 1, max: 10 });
  it('accepts well-formed text within its bounds (trimmed), including a surrogate pair', () => {
    expect(parseInput(name, '  Zoë 😀 ')).toBe('Zoë 😀');
  });
  it.each([
    ['NUL', 'a\u0000b'],
    ['a control character', 'a\u0007b'],
    ['a line break', 'a\nb'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses %s', (_n, value) => {
    expect(refusal(name, value).message).toBe('must not contain control characters or unpaired surrogates');
  });
  it('refuses empty and overlong text', () => {
    expect(refusal(name, '   ').message).toBe('must not be empty');
    expect(refusal(name, 'x'.repeat(11)).message).toBe('must be at most 10 characters');
  });
});

describe('ids, JSON and dates', () => {
  it('uuid: lower-cases a valid id, refuses anything else', () => {
    expect(parseInput(uuid('job id'), 'AAAAAAAA-0000-4000-8000-000000000001')).toBe(
      'aaaaaaaa-0000-4000-8000-000000000001',
    );
    expect(refusal(uuid('job id'), "1' or '1'='1").message).toBe('is not a valid job id');
  });

  it('json: accepts what jsonb stores within size and depth, refuses the rest naming the field', () => {
    const payload = json('payload', 100);
    expect(parseInput(payload, { a: [1, 'two', null] })).toEqual({ a: [1, 'two', null] });
    expect(parseInput(json('payload', 10_000), nested(MAX_JSON_DEPTH - 1))).toBeDefined();
    expect(() => parseInput(json('payload', 10_000), nested(MAX_JSON_DEPTH + 1))).toThrow(
      `Invalid \`payload\`: nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
    // Deep far beyond any stack: refused by the depth walk, never a stack overflow.
    expect(() => parseInput(json('payload', 10_000), nested(100_000))).toThrow(/nests deeper/);
    expect(() => parseInput(payload, { s: 'x'.repeat(200) })).toThrow(/is 208 bytes; the limit is 100/);
    expect(() => parseInput(payload, { s: 'a\u0000' })).toThrow(/U\+0000/);
    expect(() => parseInput(payload, { ['\ud800']: 1 })).toThrow(/in a key/);
  });

  it('storableText: U+0000 and broken pairs are not storable; a pair is', () => {
    expect([storableText('ok 😀'), storableText('a\u0000'), storableText('\udc00'), storableText('\ud83d')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it('dates: years 0001-9999 (UTC) only', () => {
    expect(parseInput(dateTime(), new Date('2026-01-01T00:00:00Z'))).toBeInstanceOf(Date);
    expect(refusal(dateTime(), new Date('+010000-01-01T00:00:00Z')).message).toMatch(/0001 to 9999/);
    expect(parseInput(isoDateTime(), '2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(refusal(isoDateTime(), '0000-01-01T00:00:00.000Z').message).toMatch(/0001 to 9999/);
  });
});
