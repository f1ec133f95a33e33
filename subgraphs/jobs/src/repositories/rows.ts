// Maps rows read with raw SQL (data-modifying CTEs drizzle's builder cannot express) onto the
// same JobRow shape the query builder returns.
import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import type { JobRow, JobStatus } from '../db/schema.ts';

type Raw = Record<string, unknown>;

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
/** jsonb arrives parsed from both drivers; a driver that returns text is parsed here. */
const json = (v: unknown): unknown => (typeof v === 'string' ? (JSON.parse(v) as unknown) : v);

export function jobFromRaw(r: Raw): JobRow {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    type: String(r.type),
    status: String(r.status) as JobStatus,
    priority: Number(r.priority),
    payload: json(r.payload),
    result: r.result === null || r.result === undefined ? null : json(r.result),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
    runAt: date(r.run_at),
    leaseExpiresAt: dateOrNull(r.lease_expires_at),
    workerId: r.worker_id === null || r.worker_id === undefined ? null : String(r.worker_id),
    leaseCredential:
      r.lease_credential === null || r.lease_credential === undefined ? null : String(r.lease_credential),
    createdBy: String(r.created_by),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    startedAt: dateOrNull(r.started_at),
    finishedAt: dateOrNull(r.finished_at),
  };
}

export async function rawRows(tx: Tx, query: SQL): Promise<Raw[]> {
  const res = (await tx.execute(query)) as unknown as { rows: Raw[] };
  return res.rows;
}

/** A jsonb parameter: the JSON text, cast on the server (both drivers pass text unchanged). */
export const jsonb = (value: unknown): SQL => sql`${JSON.stringify(value)}::jsonb`;

/** `(a, b, c)` of uuid parameters, for `id in …`. */
export const uuidList = (ids: readonly string[]): SQL =>
  sql`(${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;

/** `(a, b, c)` of text parameters. */
export const textList = (values: readonly string[]): SQL =>
  sql`(${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )})`;

/** `array[a, b]::text[]`. */
export const textArray = (values: readonly string[]): SQL =>
  values.length === 0
    ? sql`'{}'::text[]`
    : sql`array[${sql.join(
        values.map((v) => sql`${v}`),
        sql`, `,
      )}]::text[]`;

/**
 * Changes jobs and records one job_events row per changed job in the same statement, so a
 * change is never without its record. `set` and `where` are raw SQL over the jobs columns;
 * `detail` may read the changed row's columns (e.g. `jsonb_build_object('status', status)`).
 */
export async function updateJobsRecorded(
  tx: Tx,
  change: { set: SQL; where: SQL; kind: string | SQL; actor: string; detail?: SQL },
): Promise<JobRow[]> {
  const kind = typeof change.kind === 'string' ? sql`${change.kind}` : change.kind;
  const rows = await rawRows(
    tx,
    sql`with changed as (
          update jobs set ${change.set}, updated_at = now()
           where ${change.where}
          returning *
        ), recorded as (
          insert into job_events (tenant_id, job_id, kind, actor, detail)
          select tenant_id, id, ${kind}, ${change.actor}, ${change.detail ?? sql`null::jsonb`} from changed
        )
        select * from changed`,
  );
  return rows.map(jobFromRaw);
}
