// Development seed of the fixture: a first note in the first development tenant (idempotent).
import type { Database } from '@eventzr/lib/db';
import { DEV_TENANTS, DEV_USERS } from '@eventzr/lib/dev-seed';
import { notes } from './db/schema.ts';

export const SEED_NOTE_ID = '00000000-0000-4000-a000-000000000001';

export async function seedNotes(database: Database): Promise<void> {
  const tenant = DEV_TENANTS[0];
  await database.run({ tenantId: tenant.id }, (tx) =>
    tx
      .insert(notes)
      .values({
        id: SEED_NOTE_ID,
        tenantId: tenant.id,
        authorId: DEV_USERS[1].id,
        body: 'Welcome to the notes fixture',
      })
      .onConflictDoNothing(),
  );
}
