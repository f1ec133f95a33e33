// A small schema declared with lib/rls, covering each kind of table the catalog assertion knows:
// tenant tables (a database-generated key, a server-generated key, one in a non-public schema), a
// shared table with its own policy, and a shared table without row level security.
import { sql } from 'drizzle-orm';
import {
  boolean,
  foreignKey,
  pgSchema,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { declareSecurity, inTenantScope, scopePolicy, sharedTable, tenantIsolation, tenantTable } from '../../rls.ts';

export const archive = pgSchema('archive');

export const notes = pgTable(
  'notes',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [
    unique('notes_tenant_id_id_key').on(t.tenantId, t.id),
    uniqueIndex('notes_tenant_title_key').on(t.tenantId, sql`lower(${t.title})`),
    tenantIsolation(t.tenantId),
  ],
).enableRLS();

export const labels = pgTable(
  'labels',
  {
    // Made by the server (randomUUID), never taken from input.
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    noteId: uuid('note_id').notNull(),
    name: text('name').notNull(),
  },
  (t) => [
    foreignKey({
      name: 'labels_note_fk',
      columns: [t.tenantId, t.noteId],
      foreignColumns: [notes.tenantId, notes.id],
    }).onDelete('cascade'),
    tenantIsolation(t.tenantId, 'labels_isolation'),
  ],
).enableRLS();

export const archivedNotes = archive
  .table(
    'archived_notes',
    {
      tenantId: uuid('tenant_id').notNull(),
      noteId: uuid('note_id').notNull(),
      archivedAt: timestamp('archived_at', { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ name: 'archived_notes_pkey', columns: [t.tenantId, t.noteId] }), tenantIsolation(t.tenantId)],
  )
  .enableRLS();

export const regions = pgTable(
  'regions',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
  },
  () => [scopePolicy('regions_read', 'select', inTenantScope)],
).enableRLS();

export const featureFlags = pgTable('feature_flags', {
  name: text('name').primaryKey(),
  enabled: boolean('enabled').notNull().default(false),
});

export const security = declareSecurity([
  tenantTable(notes, { grant: ['select', 'insert', 'delete'], update: [notes.title, notes.body] }),
  tenantTable(labels, { grant: ['select', 'insert'], update: [labels.name], serverGeneratedKey: true }),
  tenantTable(archivedNotes, { grant: ['select', 'insert'] }),
  sharedTable(regions, { why: 'reference data every tenant reads', grant: ['select'], update: 'all' }),
  sharedTable(featureFlags, { why: 'installation-wide switches', rls: false, grant: ['select'] }),
]);
