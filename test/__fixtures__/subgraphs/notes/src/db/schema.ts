// The fixture's one table: tenant data under row level security (lib/rls).
import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { declareSecurity, tenantIsolation, tenantTable } from '@eventzr/lib/rls';

export const notes = pgTable(
  'notes',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    tenantId: uuid('tenant_id').notNull(),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index('notes_tenant_created_idx').on(t.tenantId, t.createdAt), tenantIsolation(t.tenantId)],
).enableRLS();

export type NoteRow = typeof notes.$inferSelect;

export const security = declareSecurity([tenantTable(notes, { grant: ['select', 'insert'] })]);
