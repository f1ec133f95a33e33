// Helpers the resolvers share: status names, cursors, and the internal-caller guard.
import { cursorCodec, type CursorCodec } from '@eventzr/lib/connection';
import { forbidden } from '@eventzr/lib/errors';
import type { BaseContext } from '@eventzr/lib/context';
import { z } from 'zod';
import type { JobStatus } from '../db/schema.ts';
import type { JobKey } from '../repositories/jobs.ts';
import type { WorkerKey } from '../repositories/workers.ts';
import { storableIsoDateTime, UUID_RE } from '../validation.ts';

/** GraphQL JobStatus name → stored value (also the enum's internal values). */
export const JOB_STATUS = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  DEAD_LETTERED: 'dead_lettered',
} as const satisfies Record<string, JobStatus>;

export const statusName = (s: JobStatus): string => s.toUpperCase();

// A hand-made cursor may name any timestamp: one Postgres cannot cast must fail here, not in SQL.
const jobKey = z.object({ createdAt: storableIsoDateTime, id: z.string().regex(UUID_RE) }).strict();
const workerKey = z.object({ id: z.string().min(1).max(128) }).strict();

/** Cursors of a job list, bound to the list and to the caller's tenant. */
export const jobCursors = (list: 'jobs' | 'deadLetterJobs', tenantId: string): CursorCodec<JobKey> =>
  cursorCodec(list, tenantId, (k) => jobKey.parse(k));

export const workerCursors = (tenantId: string): CursorCodec<WorkerKey> =>
  cursorCodec('workers', tenantId, (k) => workerKey.parse(k));

/**
 * Defence in depth for the worker protocol, whose transactions may touch every tenant's jobs:
 * the shield already admits internal callers only, and the resolver checks again.
 */
export function requireInternal(ctx: BaseContext): void {
  if (ctx.caller.kind !== 'internal') throw forbidden('Internal callers only');
}
