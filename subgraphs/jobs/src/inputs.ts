// Input rules of the jobs subgraph, checked with zod at the edge (the resolvers): a mistake is a
// BAD_USER_INPUT naming the field, never a database error.
import { badUserInput } from '@eventzr/lib/errors';
import { assertJsonSize } from '@eventzr/lib/scalars';
import { z } from 'zod';

export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_RESULT_BYTES = 64 * 1024;
/** A worker's error message is kept up to this length (a stack trace must not fail the report). */
export const MAX_ERROR_LENGTH = 4000;
export const MAX_RUN_AT_AHEAD_MS = 366 * 24 * 3600 * 1000;
export const MAX_IDS_PER_CALL = 100;
/** Arrays and objects nested deeper than this are refused (Postgres's JSON parser recurses). */
export const MAX_JSON_DEPTH = 32;

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

/** Job ids are UUIDs, compared lower case. */
export const jobId = z
  .string()
  .regex(UUID_RE, 'is not a valid job id')
  .transform((id) => id.toLowerCase());
export const jobType = z
  .string()
  .regex(
    /^[a-z][a-z0-9_.-]{0,99}$/,
    "must start with a lowercase letter and hold only a-z, 0-9, '.', '_' or '-' (at most 100 characters)",
  );
export const priority = z
  .number()
  .int()
  .min(-100, 'must be between -100 and 100')
  .max(100, 'must be between -100 and 100');
export const maxAttempts = z.number().int().min(1, 'must be between 1 and 25').max(25, 'must be between 1 and 25');
export const workerId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
export const leaseSeconds = z
  .number()
  .int()
  .min(5, 'must be between 5 and 3600')
  .max(3600, 'must be between 5 and 3600');

// Postgres has neither year 0 nor year 10000, and a Date is sent as its UTC ISO string: a date
// outside years 1..9999 in UTC would fail the cast in SQL, so it is refused here.
const storableYear = (d: Date): boolean => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;
const STORABLE_YEAR_MESSAGE = 'must fall within the years 0001 to 9999 (UTC)';
const dateTime = z.date().refine(storableYear, STORABLE_YEAR_MESSAGE);
/** An ISO timestamp string (a cursor's) that Postgres can read back. */
export const storableIsoDateTime = z.iso.datetime().refine((s) => storableYear(new Date(s)), STORABLE_YEAR_MESSAGE);

const runAt = dateTime.refine((d) => d.getTime() <= Date.now() + MAX_RUN_AT_AHEAD_MS, 'must be at most a year ahead');
const jobIds = z
  .array(jobId)
  .min(1, 'must hold at least one id')
  .max(MAX_IDS_PER_CALL, `must hold at most ${MAX_IDS_PER_CALL} ids`)
  .transform((ids) => [...new Set(ids)]);

// Text Postgres refuses: U+0000 (in text and in jsonb) and a UTF-16 surrogate without its other
// half (jsonb rejects the \ud800 escape JSON.stringify writes for it). Without the u flag the
// pattern sees code units, so it finds the halves.
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';
const storableText = (s: string): boolean => !s.includes('\u0000') && !UNPAIRED_SURROGATE.test(s);

/**
 * Walks a parsed JSON value: every string and key storable, nesting at most MAX_JSON_DEPTH. The
 * depth is checked on the way down, so the walk itself never recurses further than that.
 */
function assertStorableJson(value: unknown, field: string, depth = 0): void {
  if (typeof value === 'string') {
    if (!storableText(value)) throw badUserInput(`\`${field}\` ${UNSTORABLE_TEXT_MESSAGE}`, { field });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH)
    throw badUserInput(`\`${field}\` nests deeper than ${MAX_JSON_DEPTH} levels`, { field, maxDepth: MAX_JSON_DEPTH });
  if (Array.isArray(value)) {
    for (const item of value) assertStorableJson(item, field, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (!storableText(key)) throw badUserInput(`\`${field}\` ${UNSTORABLE_TEXT_MESSAGE} (in a key)`, { field });
    assertStorableJson(item, field, depth + 1);
  }
}

/** JSON of at most `maxBytes` that jsonb can store, checked after GraphQL has parsed it. */
const jsonWithin = (maxBytes: number, field: string) =>
  z.unknown().transform((v) => {
    // Before the size check: that one stringifies, which a very deep value must not reach.
    assertStorableJson(v, field);
    assertJsonSize(v, maxBytes, field);
    return v;
  });

export const enqueueInput = z.object({
  type: jobType,
  payload: jsonWithin(MAX_PAYLOAD_BYTES, 'payload')
    .nullish()
    .transform((v) => (v === null || v === undefined ? {} : v)),
  priority: priority.nullish().transform((v) => v ?? 0),
  runAt: runAt.nullish().transform((v) => v ?? null),
  maxAttempts: maxAttempts.nullish().transform((v) => v ?? 3),
});

export const updateInput = z
  .object({
    id: jobId,
    priority: priority.nullish().transform((v) => v ?? undefined),
    payload: jsonWithin(MAX_PAYLOAD_BYTES, 'payload')
      .nullish()
      .transform((v) => v ?? undefined),
    runAt: runAt.nullish().transform((v) => v ?? undefined),
  })
  .refine((v) => v.priority !== undefined || v.payload !== undefined || v.runAt !== undefined, {
    message: 'Pass at least one of priority, payload or runAt',
    path: ['input'],
  });

export const idInput = z.object({ id: jobId });

export const replayInput = z.object({ ids: jobIds });

export const purgeInput = z
  .object({
    ids: jobIds.nullish().transform((v) => v ?? undefined),
    finishedBefore: dateTime.nullish().transform((v) => v ?? undefined),
  })
  .refine((v) => (v.ids === undefined) !== (v.finishedBefore === undefined), {
    message: 'Pass either ids or finishedBefore',
    path: ['input'],
  });

export const setQuotaInput = z.object({
  dailyLimit: z
    .number()
    .int()
    .min(0, 'must be at least 0')
    .nullish()
    .transform((v) => v ?? null),
});

export const jobFilter = z
  .object({
    status: z.string().nullish(),
    type: jobType.nullish(),
  })
  .nullish();

export const leaseInput = z.object({
  workerId,
  types: z
    .array(jobType)
    .min(1, 'must name at least one job type')
    .max(50, 'must name at most 50 job types')
    .transform((t) => [...new Set(t)]),
  max: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
  leaseSeconds,
});

export const heartbeatInput = z.object({ jobId, workerId, leaseSeconds });

export const completeInput = z.object({
  jobId,
  workerId,
  result: jsonWithin(MAX_RESULT_BYTES, 'result')
    .nullish()
    .transform((v) => v ?? null),
});

/** The first `n` code units of `s`, one fewer if the cut would leave half a surrogate pair. */
function truncateAt(s: string, n: number): string {
  const code = s.charCodeAt(n - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

export const failInput = z.object({
  jobId,
  workerId,
  error: z
    .string()
    .min(1, 'must not be empty')
    .refine(storableText, UNSTORABLE_TEXT_MESSAGE)
    .transform((e) => (e.length > MAX_ERROR_LENGTH ? `${truncateAt(e, MAX_ERROR_LENGTH - 1)}…` : e)),
  retryable: z
    .boolean()
    .nullish()
    .transform((v) => v ?? true),
});

/** Parses `value` with `schema`; the first problem becomes BAD_USER_INPUT naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // assertJsonSize throws its own BAD_USER_INPUT inside a transform; zod 4 lets it propagate.
  const field = issue?.path.map(String).join('.') || 'input';
  throw badUserInput(
    field === 'input' ? (issue?.message ?? 'Invalid input') : `\`${field}\` ${issue?.message ?? 'is invalid'}`,
    {
      field,
    },
  );
}

export type EnqueueInput = z.output<typeof enqueueInput>;
export type UpdateInput = z.output<typeof updateInput>;
export type PurgeInput = z.output<typeof purgeInput>;
export type LeaseInput = z.output<typeof leaseInput>;
export type HeartbeatInput = z.output<typeof heartbeatInput>;
export type CompleteInput = z.output<typeof completeInput>;
export type FailInput = z.output<typeof failInput>;
