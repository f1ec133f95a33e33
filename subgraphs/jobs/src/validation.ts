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

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

export const jobId = z.string().regex(UUID_RE, 'is not a valid job id');
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

const runAt = z.date().refine((d) => d.getTime() <= Date.now() + MAX_RUN_AT_AHEAD_MS, 'must be at most a year ahead');
const jobIds = z
  .array(jobId)
  .min(1, 'must hold at least one id')
  .max(MAX_IDS_PER_CALL, `must hold at most ${MAX_IDS_PER_CALL} ids`)
  .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]);

/** JSON of at most `maxBytes`, checked after GraphQL has parsed it. */
const jsonWithin = (maxBytes: number, field: string) =>
  z.unknown().transform((v) => {
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
    finishedBefore: z
      .date()
      .nullish()
      .transform((v) => v ?? undefined),
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

export const failInput = z.object({
  jobId,
  workerId,
  error: z
    .string()
    .min(1, 'must not be empty')
    .transform((e) => (e.length > MAX_ERROR_LENGTH ? `${e.slice(0, MAX_ERROR_LENGTH - 1)}…` : e)),
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
