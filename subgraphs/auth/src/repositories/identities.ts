// Identities: one per email (password sign-in) or per external issuer's subject, platform-wide.
// No tenant scope reads them: every query here runs under one of the identities table's lookup
// policies (app.login_email, or app.external_issuer + app.external_subject), see db/schema.ts.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '@eventzr/lib/db';
import { identities, tenants, users, type IdentityRow } from '../db/schema.ts';
import type { Account } from './users.ts';

/** What a login needs: the email's password identity (if any) and its memberships with their tenants. */
export interface LoginCandidate {
  identity: IdentityRow | null;
  accounts: Account[];
}

/**
 * The password identity holding `email` (already lowercased) and every membership of it, in ONE
 * statement whether or not it exists, so a login for an unknown email runs exactly the
 * statements a login for a known one does. The transaction carries app.login_email = `email`.
 */
export async function loginCandidate(tx: Tx, email: string): Promise<LoginCandidate> {
  const rows = await tx
    .select({ identity: identities, user: users, tenant: tenants })
    .from(identities)
    .leftJoin(users, eq(users.identityId, identities.id))
    .leftJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(sql`lower(${identities.email})`, email), isNull(identities.externalIssuer)))
    .orderBy(asc(tenants.createdAt), asc(tenants.id));
  const identity = rows[0]?.identity ?? null;
  const accounts = rows.flatMap((r) => (r.user && r.tenant ? [{ user: r.user, tenant: r.tenant }] : []));
  return { identity, accounts };
}

/**
 * Inserts a password identity unless the email already has one; true when this call made it.
 * The transaction must see the new row (RETURNING): app.login_email = its email, and a tenant
 * scope for the insert policy.
 */
export async function insertPasswordIdentity(
  tx: Tx,
  row: { id: string; email: string; name: string; passwordHash: string; createdAt: Date },
): Promise<boolean> {
  const made = await tx.insert(identities).values(row).onConflictDoNothing().returning({ id: identities.id });
  return made.length === 1;
}

/** The identity of an external issuer's subject (transaction: app.external_issuer/subject set to them). */
export async function externalIdentity(tx: Tx, issuer: string, subject: string): Promise<IdentityRow | null> {
  const [row] = await tx
    .select()
    .from(identities)
    .where(and(eq(identities.externalIssuer, issuer), eq(identities.externalSubject, subject)));
  return row ?? null;
}

/** Inserts an external identity; a concurrent first request for the same subject makes it only once. */
export async function insertExternalIdentity(
  tx: Tx,
  row: { id: string; email: string; name: string; externalIssuer: string; externalSubject: string },
): Promise<void> {
  await tx
    .insert(identities)
    .values(row)
    .onConflictDoNothing({ target: [identities.externalIssuer, identities.externalSubject] });
}
