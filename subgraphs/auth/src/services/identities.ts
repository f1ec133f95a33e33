// External issuers' users (Auth0): an identity on first use, keyed by (issuer, subject), and a
// membership in the tenant their token names. Called by the router only (provisionExternalIdentity),
// after it verified the external token: the router then forwards the membership's id as the
// caller's userId, so `me`, `Job.createdBy` and every other subgraph see an ordinary user.
import { randomUUID } from 'node:crypto';
import { normalizeRoles, type Role } from '@eventzr/lib/permissions';
import { forbidden } from '@eventzr/lib/errors';
import type { Database } from '@eventzr/lib/db';
import type { Logger } from '@eventzr/lib/logger';
import { externalIdentity, insertExternalIdentity } from '../repositories/identities.ts';
import { tenantsByIds } from '../repositories/tenants.ts';
import { ensureUser, membershipOf, setRoles } from '../repositories/users.ts';

export interface ExternalSubject {
  issuer: string;
  subject: string;
  tenantId: string;
  email: string;
  name: string;
  roles: readonly string[];
}

export const UNKNOWN_TENANT = "The token's tenant does not exist";

const sameRoles = (a: readonly Role[], b: readonly string[]) => a.length === b.length && a.every((r, i) => r === b[i]);

/**
 * The user id (membership) of an external subject in its token's tenant, made on first use. The
 * external issuer is trusted for who the user is, which tenant they act in and their roles there
 * (the router already acts on those claims): the membership's roles follow the issuer's latest
 * token, so `User.roles` shows what the caller holds. A tenant that does not exist is refused:
 * an issuer vouches for its users, not for tenants of this platform that were never made.
 * Concurrent first requests make one identity and one membership (unique keys, DO NOTHING, read again).
 */
export async function provisionExternalIdentity(
  deps: { database: Database },
  subject: ExternalSubject,
  log: Logger,
): Promise<{ userId: string }> {
  const roles = normalizeRoles(subject.roles);
  const settings = {
    'app.tenant_id': subject.tenantId,
    'app.external_issuer': subject.issuer,
    'app.external_subject': subject.subject,
  } as const;
  return deps.database.run({ settings }, async (tx) => {
    const [tenant] = await tenantsByIds(tx, [subject.tenantId]);
    if (!tenant) throw forbidden(UNKNOWN_TENANT);
    let identity = await externalIdentity(tx, subject.issuer, subject.subject);
    if (!identity) {
      await insertExternalIdentity(tx, {
        id: randomUUID(),
        email: subject.email,
        name: subject.name,
        externalIssuer: subject.issuer,
        externalSubject: subject.subject,
      });
      identity = await externalIdentity(tx, subject.issuer, subject.subject);
      if (!identity) throw new Error('external identity neither inserted nor found');
    }
    let member = await membershipOf(tx, identity.id);
    if (!member) {
      const now = new Date();
      await ensureUser(tx, {
        id: randomUUID(),
        tenantId: subject.tenantId,
        identityId: identity.id,
        email: subject.email,
        name: subject.name,
        roles: [...roles],
        createdAt: now,
        updatedAt: now,
      });
      member = await membershipOf(tx, identity.id);
      if (!member) throw new Error('membership neither inserted nor found');
      log.info(
        {
          event: 'external_identity_provisioned',
          userId: member.id,
          tenantId: subject.tenantId,
          issuer: subject.issuer,
        },
        'external user joined the tenant',
      );
    } else if (!sameRoles(roles, member.roles)) {
      await setRoles(tx, member.id, roles);
    }
    return { userId: member.id };
  });
}
