// Development seed: the tenants and users of lib/dev-seed.ts, password DEV_PASSWORD. Idempotent:
// existing rows are left alone, and passwords are hashed only for users still missing. Never run
// when NODE_ENV=production (lib/bootstrap.ts skips it).
import type { Database } from '@eventzr/lib/db';
import { DEV_PASSWORD, DEV_TENANTS, DEV_USERS } from '@eventzr/lib/dev-seed';
import { hashPassword } from './services/passwords.ts';
import { ensureTenant } from './repositories/tenants.ts';
import { ensureUser, usersByIds } from './repositories/users.ts';

export async function seedDevData(database: Database): Promise<void> {
  for (const tenant of DEV_TENANTS) {
    const members = DEV_USERS.filter((u) => u.tenantId === tenant.id);
    const present = await database.run({ tenantId: tenant.id }, async (tx) => {
      await ensureTenant(tx, { id: tenant.id, name: tenant.name, planTier: tenant.planTier });
      return new Set(
        (
          await usersByIds(
            tx,
            members.map((u) => u.id),
          )
        ).map((u) => u.id),
      );
    });
    const missing = members.filter((u) => !present.has(u.id));
    if (missing.length === 0) continue;
    const rows = await Promise.all(
      missing.map(async (u) => ({
        id: u.id,
        tenantId: u.tenantId,
        email: u.email,
        name: u.name,
        roles: [...u.roles],
        passwordHash: await hashPassword(DEV_PASSWORD),
      })),
    );
    await database.run({ tenantId: tenant.id }, async (tx) => {
      for (const row of rows) await ensureUser(tx, row);
    });
  }
}
