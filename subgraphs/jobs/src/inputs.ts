// Input rules of the jobs subgraph (lib/inputs: one parser, one text and JSON policy, ids),
// checked at the edge (the resolvers): a mistake is a BAD_USER_INPUT naming the field, never a
// database error.
import { dateTime, json, storableText, STORABLE_MESSAGE, uuid } from '@eventzr/lib/inputs';
import { z } from 'zod';

export { isoDateTime, isUuid, parseInput, UUID_RE } from '@eventzr/lib/inputs';

export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_RESULT_BYTES = 64 * 1024;
/** A worker's error message is kept up to this length (a stack trace must not fail the report). */
export const MAX_ERROR_LENGTH = 4000;
export const MAX_RUN_AT_AHEAD_MS = 366 * 24 * 3600 * 1000;
export const MAX_IDS_PER_CALL = 100;

export const jobId = uuid('job id');
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

const runAt = dateTime().refine((d) => d.getTime() <= Date.now() + MAX_RUN_AT_AHEAD_MS, 'must be at most a year ahead');
const jobIds = z
  .array(jobId)
  .min(1, 'must hold at least one id')
  .max(MAX_IDS_PER_CALL, `must hold at most ${MAX_IDS_PER_CALL} ids`)
  .transform((ids) => [...new Set(ids)]);

export const enqueueInput = z.object({
  type: jobType,
  payload: json('payload', MAX_PAYLOAD_BYTES)
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
    payload: json('payload', MAX_PAYLOAD_BYTES)
      .nullish()
      .transform((v) => v ?? undefined),
    runAt: runAt.nullish().transform((v) => v ?? undefined),
  })
  .refine((v) => v.priority !== undefined || v.payload !== undefined || v.runAt !== undefined, {
    message: 'Pass at least one of priority, payload or runAt',
  });

export const idInput = z.object({ id: jobId });

export const replayInput = z.object({ ids: jobIds });

export const purgeInput = z
  .object({
    ids: jobIds.nullish().transform((v) => v ?? undefined),
    finishedBefore: dateTime()
      .nullish()
      .transform((v) => v ?? undefined),
  })
  .refine((v) => (v.ids === undefined) !== (v.finishedBefore === undefined), {
    message: 'Pass either ids or finishedBefore',
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
  result: json('result', MAX_RESULT_BYTES)
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
  // A worker's error is free text (a stack trace has line breaks), kept whole up to a length, cut
  // beyond it rather than refused: the report of a failure must not fail.
  error: z
    .string()
    .min(1, 'must not be empty')
    .refine(storableText, STORABLE_MESSAGE)
    .transform((e) => (e.length > MAX_ERROR_LENGTH ? `${truncateAt(e, MAX_ERROR_LENGTH - 1)}…` : e)),
  retryable: z
    .boolean()
    .nullish()
    .transform((v) => v ?? true),
});

export type EnqueueInput = z.output<typeof enqueueInput>;
export type UpdateInput = z.output<typeof updateInput>;
export type PurgeInput = z.output<typeof purgeInput>;
export type LeaseInput = z.output<typeof leaseInput>;
export type HeartbeatInput = z.output<typeof heartbeatInput>;
export type CompleteInput = z.output<typeof completeInput>;
export type FailInput = z.output<typeof failInput>;
