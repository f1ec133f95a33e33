// Development seed: the tenants and users of lib/dev-seed.ts, password DEV_PASSWORD: one identity
// per email (its id is the user's), a membership per user. Idempotent: existing rows are left
// alone, and passwords are hashed only for users still missing. Never run when
// NODE_ENV=production (lib/bootstrap.ts skips it).
import type { Database } from '@eventzr/lib/db';
import { DEV_PASSWORD, DEV_TENANTS, DEV_USERS } from '@eventzr/lib/dev-seed';
import { hashPassword } from './services/passwords.ts';
import { insertPasswordIdentity } from './repositories/identities.ts';
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
    for (const u of members.filter((m) => !present.has(m.id))) {
      const passwordHash = await hashPassword(DEV_PASSWORD);
      const now = new Date();
      await database.run(
        { settings: { 'app.tenant_id': tenant.id, 'app.login_email': u.email.toLowerCase() } },
        async (tx) => {
          await insertPasswordIdentity(tx, { id: u.id, email: u.email, name: u.name, passwordHash, createdAt: now });
          await ensureUser(tx, {
            id: u.id,
            tenantId: u.tenantId,
            identityId: u.id,
            email: u.email,
            name: u.name,
            roles: [...u.roles],
          });
        },
      );
    }
  }
}
