// Input rules every subgraph checks its arguments with (zod, at the edge: the resolvers): one
// parser with one error shape, one text policy, one JSON policy, id schemas. A violation is a
// BAD_USER_INPUT naming the field, never a database error or a 500.
import { z } from 'zod';
import { badUserInput } from './errors.ts';

/**
 * Arrays and objects nested deeper than this are refused in JSON inputs. Walking, hashing and
 * storing JSON recurse; this keeps every one of them far from any stack limit.
 */
export const MAX_JSON_DEPTH = 32;

export interface InputIssue {
  field: string;
  message: string;
}

/**
 * Parses `input` with `schema`, or throws BAD_USER_INPUT: the message names the first failing
 * field ("Invalid `email`: must be a valid email address"; a rule over the whole input says only
 * its message), and `extensions` carry that `field` and every issue. A transform that throws its
 * own AppError (e.g. a size limit) is answered with that error.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // An AppError thrown inside a transform is not caught by safeParse (zod 4): it is the answer.
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.output<S>;
  const issues: InputIssue[] = result.error.issues.map((i) => ({
    field: i.path.map(String).join('.') || 'input',
    message: i.message,
  }));
  const first = issues[0] ?? { field: 'input', message: 'Invalid input' };
  const message = first.field === 'input' ? first.message : `Invalid \`${first.field}\`: ${first.message}`;
  throw badUserInput(message, { field: first.field, issues });
}

// ---------------------------------------------------------------- text

/**
 * The text policy for names, emails, passwords, tokens. With the `u` flag \p{Cs} matches only unpaired surrogates (a pair is one code
 * point): one would be stored as U+FFFD, so two different inputs would become one. Control
 * characters have no place in a name, an email, a password or a token, and U+0000 makes Postgres
 * text fail (a 500 instead of an answer).
 */
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/u;
/** Without the u flag the pattern sees code units, so it finds the halves of a broken pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const TEXT_MESSAGE = 'must not contain control characters or unpaired surrogates';
export const STORABLE_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';

/** Whether Postgres can store `s` in text and jsonb: no U+0000, no unpaired UTF-16 surrogate. */
export const storableText = (s: string): boolean => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

export interface TextOptions {
  min?: number;
  max: number;
  /** Trim surrounding whitespace first (names, emails). */
  trim?: boolean;
}

const lengthMessage = (n: number, what: 'least' | 'most') => `must be at ${what} ${n} characters`;

/** A string under the text policy, with its length bounds (a required upper bound: no unbounded text). */
export function text(opts: TextOptions) {
  let s = z.string();
  if (opts.trim) s = s.trim();
  if (opts.min !== undefined)
    s = s.min(opts.min, opts.min === 1 ? 'must not be empty' : lengthMessage(opts.min, 'least'));
  return s
    .max(opts.max, lengthMessage(opts.max, 'most'))
    .refine((v) => !CONTROL_OR_LONE_SURROGATE.test(v), TEXT_MESSAGE);
}

// ---------------------------------------------------------------- ids

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

/** A UUID id, compared lower case (ids are stored lower case; the router passes them as written). */
export const uuid = (what = 'id') =>
  z
    .string()
    .regex(UUID_RE, `is not a valid ${what}`)
    .transform((v) => v.toLowerCase());

// ---------------------------------------------------------------- JSON

/**
 * Walks a parsed JSON value: every string and key storable, nesting at most MAX_JSON_DEPTH. The
 * depth is checked on the way down, so the walk itself never recurses further than that.
 */
function assertStorableJson(value: unknown, field: string, depth = 0): void {
  if (typeof value === 'string') {
    if (!storableText(value)) throw badUserInput(`Invalid \`${field}\`: ${STORABLE_MESSAGE}`, { field });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH)
    throw badUserInput(`Invalid \`${field}\`: nests deeper than ${MAX_JSON_DEPTH} levels`, {
      field,
      maxDepth: MAX_JSON_DEPTH,
    });
  if (Array.isArray(value)) {
    for (const item of value) assertStorableJson(item, field, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!storableText(key)) throw badUserInput(`Invalid \`${field}\`: ${STORABLE_MESSAGE} (in a key)`, { field });
    assertStorableJson(item, field, depth + 1);
  }
}

/**
 * Any JSON value (already parsed by GraphQL) that jsonb can store, at most `maxBytes` as UTF-8
 * JSON and MAX_JSON_DEPTH deep. `field` names it in the error.
 */
export function json(field: string, maxBytes: number) {
  return z.unknown().transform((v) => {
    // Before the size check: that one stringifies, which a very deep value must not reach.
    assertStorableJson(v, field);
    const size = Buffer.byteLength(JSON.stringify(v ?? null), 'utf8');
    if (size > maxBytes)
      throw badUserInput(`Invalid \`${field}\`: is ${size} bytes; the limit is ${maxBytes}`, { field, maxBytes });
    return v;
  });
}

// ---------------------------------------------------------------- dates

// Postgres has neither year 0 nor year 10000, and a Date is sent as its UTC ISO string: a date
// outside years 1..9999 in UTC would fail the cast in SQL, so it is refused here.
const storableYear = (d: Date): boolean => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;
export const STORABLE_YEAR_MESSAGE = 'must fall within the years 0001 to 9999 (UTC)';

/** A DateTime argument (graphql-scalars parses it to a Date) that Postgres can store. */
export const dateTime = () => z.date().refine(storableYear, STORABLE_YEAR_MESSAGE);
/** An ISO timestamp string (a cursor's, say) that Postgres can read back. */
export const isoDateTime = () => z.iso.datetime().refine((s) => storableYear(new Date(s)), STORABLE_YEAR_MESSAGE);
