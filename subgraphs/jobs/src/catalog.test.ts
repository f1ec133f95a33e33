// What the database catalog says about the jobs schema: exactly its security declaration (lib
// testing's catalog assertion), and the one key the worker protocol relies on.
import { sql } from 'drizzle-orm';
import { assertCatalog, createTestDatabase, type TestDatabase } from '@eventzr/lib/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { security } from './db/schema.ts';
import { subgraph } from './subgraph.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('jobs', subgraph.migrationsFolder);
});
afterAll(() => database?.destroy());

describe('the jobs database catalog', () => {
  it('holds exactly the security declaration', async () => {
    await assertCatalog(database, security);
  });

  it("keeps a job's events within the job's tenant (a worker inserts them in every tenant)", async () => {
    const [fk] = await database.run({ settings: {} }, async (tx) => {
      const res = await tx.execute(sql`
        select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'job_events_job_fk'`);
      return (res as unknown as { rows: { def: string }[] }).rows;
    });
    expect(fk?.def).toMatch(/\(tenant_id, job_id\) REFERENCES jobs\(tenant_id, id\) ON DELETE CASCADE/);
  });
});
