// lib/rls and lib/testing's catalog assertion: a fixture schema declared with the helpers,
// migrated (drizzle-kit's migration plus the generated security migration), passes the assertion;
// each rule's refusal is shown by changing the migrated database (as its owner, rolled back) and
// reading the problem the assertion reports. Declaration mistakes throw when the schema loads.
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { security } from './__fixtures__/rls/schema.ts';
import {
  declareSecurity,
  scopePolicy,
  securitySql,
  sharedTable,
  tenantIsolation,
  tenantTable,
  workerScope,
} from './rls.ts';
import {
  assertCatalog,
  catalogProblems,
  catalogProblemsAfter,
  createTestDatabase,
  usingRealPostgres,
  type TestDatabase,
} from './testing.ts';

const fixture = join(import.meta.dirname, '__fixtures__', 'rls', 'drizzle');

describe('the declaration', () => {
  const notes = pgTable(
    'notes',
    { id: uuid('id').primaryKey(), tenantId: uuid('tenant_id').notNull(), body: text('body') },
    (t) => [tenantIsolation(t.tenantId)],
  ).enableRLS();
  const other = pgTable('other', { id: uuid('id').primaryKey(), body: text('body') });

  it('resolves a table: its tenant column, isolation policy, privileges and columns', () => {
    const [t] = declareSecurity([tenantTable(notes, { grant: ['insert', 'select'], update: [notes.body] })]).tables;
    expect(t).toMatchObject({
      qualified: '"public"."notes"',
      kind: 'tenant',
      rls: true,
      tenantColumn: 'tenant_id',
      tenantPolicy: 'notes_tenant_isolation',
      privileges: ['select', 'insert'],
      update: ['body'],
      columns: ['id', 'tenant_id', 'body'],
      policies: [{ name: 'notes_tenant_isolation', command: 'ALL', permissive: true, roles: ['public'] }],
    });
  });

  const refusals: [string, () => unknown, RegExp][] = [
    [
      'an UPDATE column of another table',
      // @ts-expect-error another table's column does not typecheck either
      () => declareSecurity([tenantTable(notes, { grant: [], update: [other.body] })]),
      /UPDATE of column "body", which is not one of this table's columns/,
    ],
    [
      'UPDATE of the tenant column',
      () => declareSecurity([tenantTable(notes, { grant: [], update: [notes.tenantId] })]),
      /UPDATE of the tenant column tenant_id/,
    ],
    [
      "UPDATE 'all' on a tenant table",
      () => declareSecurity([tenantTable(notes, { grant: [], update: 'all' })]),
      /would include tenant_id/,
    ],
    [
      'a privilege that is not select, insert or delete',
      // @ts-expect-error nor does an unknown privilege
      () => declareSecurity([tenantTable(notes, { grant: ['truncate'] })]),
      /unknown privilege "truncate"/,
    ],
    [
      'a tenant table without tenant_id',
      () => declareSecurity([tenantTable(pgTable('accounts', { id: uuid('id') }).enableRLS(), { grant: [] })]),
      /has no tenant_id column/,
    ],
    [
      'a tenant table without its isolation policy',
      () =>
        declareSecurity([
          tenantTable(pgTable('bare', { tenantId: uuid('tenant_id') }).enableRLS(), { grant: ['select'] }),
        ]),
      /needs exactly one tenantIsolation\(tenant_id\) policy/,
    ],
    [
      'a table with RLS declared but not enabled in drizzle',
      () => declareSecurity([sharedTable(other, { why: 'test', grant: ['select'] })]),
      /define the table with \.enableRLS\(\)/,
    ],
    [
      'a table declared without RLS that has policies',
      () =>
        declareSecurity([
          sharedTable(
            pgTable('w', { id: text('id') }, () => [scopePolicy('w_read', 'select', workerScope)]),
            { why: 'test', rls: false, grant: [] },
          ),
        ]),
      /declared without Row Level Security but has policies/,
    ],
    [
      'a shared table without a reason',
      () => declareSecurity([sharedTable(other, { why: ' ', rls: false, grant: [] })]),
      /must say why/,
    ],
    [
      'a shared table with tenant_id',
      () => declareSecurity([sharedTable(notes, { why: 'test', grant: [] })]),
      /has a tenant_id column: declare it with tenantTable/,
    ],
    [
      "another role's UPDATE of the tenant column",
      () =>
        declareSecurity([
          tenantTable(notes, { grant: [], roles: { auditor: { grant: [], update: [notes.tenantId] } } }),
        ]),
      /UPDATE of the tenant column tenant_id/,
    ],
    [
      'another role named like the application role',
      () =>
        declareSecurity([
          sharedTable(other, { why: 'test', rls: false, grant: [], roles: { eventzr_app: { grant: ['select'] } } }),
        ]),
      /"eventzr_app" is the application role/,
    ],
    [
      'another role whose name is not snake_case',
      () =>
        declareSecurity([
          sharedTable(other, { why: 'test', rls: false, grant: [], roles: { 'Key Reader': { grant: ['select'] } } }),
        ]),
      /role "Key Reader" is not snake_case/,
    ],
    [
      'a table declared twice',
      () =>
        declareSecurity([
          sharedTable(other, { why: 'test', rls: false, grant: [] }),
          sharedTable(other, { why: 'test', rls: false, grant: [] }),
        ]),
      /declared twice/,
    ],
  ];
  it.each(refusals)('refuses %s', (_what, declare, message) => {
    expect(declare).toThrow(message);
  });
});

describe('other roles (e.g. a signer that alone reads keys)', () => {
  const keys = pgTable('keys', { id: text('id').primaryKey(), secret: text('secret'), retiredAt: text('retired_at') });
  const notes = pgTable(
    'notes',
    { id: uuid('id').primaryKey(), tenantId: uuid('tenant_id').notNull(), body: text('body') },
    (t) => [tenantIsolation(t.tenantId)],
  ).enableRLS();
  const declaration = declareSecurity([
    tenantTable(notes, { grant: ['select'] }),
    sharedTable(keys, {
      why: 'test',
      rls: false,
      grant: [],
      roles: { key_signer: { grant: ['select', 'insert'], update: [keys.retiredAt] } },
    }),
  ]);

  it('resolves their grants per table and lists them once', () => {
    expect(declaration.otherRoles).toEqual(['key_signer']);
    expect(declaration.tables[1]).toMatchObject({
      privileges: [],
      update: [],
      otherRoles: [{ role: 'key_signer', privileges: ['select', 'insert'], update: ['retired_at'] }],
    });
    expect(declaration.tables[0]!.otherRoles).toEqual([]);
  });

  it('securitySql creates the role, and restates it on every table: nothing where undeclared', () => {
    const statements = securitySql(declaration).split('--> statement-breakpoint\n');
    expect(statements).toContain(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'key_signer') THEN CREATE ROLE "key_signer" NOLOGIN; END IF; END $$;`,
    );
    expect(statements).toContain('GRANT USAGE ON SCHEMA "public" TO "key_signer";');
    expect(statements).toContain('REVOKE ALL ON TABLE "public"."notes" FROM "key_signer";');
    expect(statements.filter((s) => s.includes('"public"."keys"'))).toEqual([
      'REVOKE ALL ON TABLE "public"."keys" FROM "eventzr_app";',
      'REVOKE ALL ON TABLE "public"."keys" FROM "key_signer";',
      'GRANT SELECT, INSERT, UPDATE ("retired_at") ON TABLE "public"."keys" TO "key_signer";\n',
    ]);
  });

  it('a declaration without other roles keeps its SQL (no statement about them)', () => {
    expect(securitySql(security)).not.toMatch(/key_signer/);
    expect(security.otherRoles).toEqual([]);
  });
});

describe('securitySql', () => {
  it('creates the role if missing, grants schema usage, forces RLS, revokes all, then grants exactly the declaration', () => {
    const statements = securitySql(security).split('--> statement-breakpoint\n');
    expect(statements[0]).toMatch(/IF NOT EXISTS .* CREATE ROLE "eventzr_app" NOLOGIN/);
    expect(statements).toContain('GRANT USAGE ON SCHEMA "archive", "public" TO "eventzr_app";');
    expect(statements).toContain('ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;');
    expect(statements).toContain(
      'GRANT SELECT, INSERT, DELETE, UPDATE ("title", "body") ON TABLE "public"."notes" TO "eventzr_app";',
    );
    // A table declared without RLS keeps its grants but gets no ALTER.
    expect(statements.filter((s) => s.includes('"feature_flags"'))).toEqual([
      'REVOKE ALL ON TABLE "public"."feature_flags" FROM "eventzr_app";',
      'GRANT SELECT ON TABLE "public"."feature_flags" TO "eventzr_app";\n',
    ]);
  });
});

describe('the catalog assertion on the migrated fixture', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('rls', fixture);
  });
  afterAll(() => database?.destroy());

  /** The problems the assertion reads after `statements` ran as the owner (then rolled back). */
  const problemsAfter = (...statements: string[]) => catalogProblemsAfter(database, security, ...statements);

  it('passes: every rule in its allowed form (tenant keys, generated and server keys, shared tables, schemas, FKs)', async () => {
    await assertCatalog(database, security);
  });

  it('reports every problem in one readable error', async () => {
    const error = await database
      .asOwner(async (tx) => {
        await tx.execute(sql`alter table public.notes no force row level security`);
        await tx.execute(sql`grant truncate on public.notes to eventzr_app`);
        const problems = await catalogProblems(tx, security);
        throw new Error(problems.join('\n'));
      })
      .catch((err: Error) => err.message);
    expect(error.split('\n')).toEqual([
      'public.notes: row level security is not forced (FORCE ROW LEVEL SECURITY)',
      'public.notes: the application role may TRUNCATE, which is not declared',
    ]);
  });

  it('is restored by re-running the security SQL (idempotent: REVOKE ALL, then the declared grants)', async () => {
    const statements = securitySql(security).split('--> statement-breakpoint\n');
    const problems = await problemsAfter(
      'grant truncate, update on public.notes to eventzr_app',
      'alter table public.regions no force row level security',
      ...statements,
      ...statements,
    );
    expect(problems).toEqual([]);
  });

  const tableRules: [string, string[], string][] = [
    [
      'a table missing from the declaration',
      ['create table public.extra (id int primary key)'],
      'public.extra: not in the security declaration',
    ],
    [
      'a table with tenant_id and no isolation policy',
      [
        'create table public.extra (id uuid primary key default gen_random_uuid(), tenant_id uuid)',
        'alter table public.extra enable row level security, force row level security',
      ],
      'public.extra: no tenant isolation policy on tenant_id (FOR ALL, USING and WITH CHECK tenant_id = app.tenant_id)',
    ],
    [
      'a declared table missing from the database',
      ['drop table public.feature_flags'],
      'public.feature_flags: declared, but not in the database',
    ],
    [
      'RLS not enabled',
      ['alter table public.notes disable row level security'],
      'public.notes: row level security is not enabled',
    ],
    [
      'RLS not forced, in a schema other than public',
      ['alter table archive.archived_notes no force row level security'],
      'archive.archived_notes: row level security is not forced (FORCE ROW LEVEL SECURITY)',
    ],
    [
      'RLS on a table declared without it',
      ['alter table public.feature_flags enable row level security'],
      'public.feature_flags: has row level security, but is declared without it',
    ],
    [
      'a tenant table without its isolation policy',
      ['drop policy notes_tenant_isolation on public.notes'],
      'public.notes: declared policy notes_tenant_isolation is missing',
    ],
    [
      'an isolation policy that no longer isolates',
      ['alter policy labels_isolation on public.labels using (true)'],
      'public.labels: no tenant isolation policy on tenant_id (FOR ALL, USING and WITH CHECK tenant_id = app.tenant_id)',
    ],
    [
      'an undeclared policy',
      ['create policy notes_peek on public.notes for select using (true)'],
      'public.notes: policy notes_peek is not declared',
    ],
    [
      'a policy for another command',
      ['drop policy regions_read on public.regions', 'create policy regions_read on public.regions using (true)'],
      'public.regions: policy regions_read is PERMISSIVE FOR ALL TO public, declared PERMISSIVE FOR SELECT TO public',
    ],
    [
      'a policy for other roles',
      ['alter policy regions_read on public.regions to eventzr_app'],
      'public.regions: policy regions_read is PERMISSIVE FOR SELECT TO eventzr_app, declared PERMISSIVE FOR SELECT TO public',
    ],
    [
      'an extra table privilege',
      ['grant truncate on public.notes to eventzr_app'],
      'public.notes: the application role may TRUNCATE, which is not declared',
    ],
    [
      'UPDATE of an undeclared column (the tenant column)',
      ['grant update (tenant_id) on public.notes to eventzr_app'],
      'public.notes: the application role may UPDATE (tenant_id), which is not declared',
    ],
    [
      'a privilege reaching the role through PUBLIC',
      ['grant insert on public.regions to public'],
      'public.regions: the application role may INSERT, which is not declared',
    ],
    [
      "a privilege on drizzle's migrations table",
      ['grant select on drizzle.__drizzle_migrations to eventzr_app'],
      'drizzle.__drizzle_migrations: the application role may SELECT, which is not declared',
    ],
    [
      'a declared privilege missing',
      ['revoke delete on public.notes from eventzr_app'],
      'public.notes: the application role lacks the declared DELETE',
    ],
    [
      'a declared column privilege missing',
      ['revoke update (body) on public.notes from eventzr_app'],
      'public.notes: the application role lacks the declared UPDATE (body)',
    ],
    [
      'CREATE on a schema',
      ['grant create on schema archive to eventzr_app'],
      'schema archive: the application role may CREATE in it',
    ],
    [
      'no USAGE on a declared schema',
      ['revoke usage on schema archive from eventzr_app'],
      'schema archive: the application role lacks USAGE',
    ],
    [
      'a unique index of tenant data not starting with tenant_id',
      ['create unique index notes_title_key on public.notes (lower(title))'],
      'public.notes: unique index notes_title_key does not start with tenant_id',
    ],
    [
      'a single-column primary key neither generated by the database nor declared',
      ['alter table public.notes alter column id drop default'],
      'public.notes: primary key notes_pkey is neither generated by the database nor declared serverGeneratedKey',
    ],
    [
      'a foreign key that does not say what happens on delete',
      [
        'alter table public.labels add constraint labels_note_loose_fk foreign key (tenant_id, note_id) references public.notes (tenant_id, id)',
      ],
      'public.labels: foreign key labels_note_loose_fk does not say what happens on delete',
    ],
  ];
  it.each(tableRules)('refuses %s', async (_rule, statements, problem) => {
    expect(await problemsAfter(...statements)).toContain(problem);
  });

  // Changing roles needs a superuser: PGlite's. On PostgreSQL, lib/db's tests refuse the same
  // through throwaway roles (the shared application role is never changed there).
  const roleRules: [string, string[], string][] = [
    ['a superuser', ['alter role eventzr_app superuser'], 'the application role "eventzr_app" is a superuser'],
    ['BYPASSRLS', ['alter role eventzr_app bypassrls'], 'the application role "eventzr_app" has BYPASSRLS'],
    [
      'owning a table',
      ['alter table public.feature_flags owner to eventzr_app'],
      'the application role "eventzr_app" owns 1 table(s) (public.feature_flags)',
    ],
    [
      'owning anything else',
      ['create sequence public.counter', 'alter sequence public.counter owner to eventzr_app'],
      'the application role "eventzr_app" owns relation public.counter',
    ],
    [
      "membership of a table owner's role",
      [
        'create role notes_owner nologin',
        'alter table public.notes owner to notes_owner',
        'grant notes_owner to eventzr_app',
      ],
      'the application role "eventzr_app" is a member of the owner role "notes_owner" of 1 table(s) (public.notes)',
    ],
  ];
  it.skipIf(usingRealPostgres()).each(roleRules)(
    'refuses an application role with %s',
    async (_rule, statements, problem) => {
      expect(await problemsAfter(...statements)).toContain(problem);
    },
  );
});
