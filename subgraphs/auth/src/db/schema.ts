// The auth subgraph's tables, with their row level security and the application role's grants
// (lib/rls).
//
// Login, refreshToken and requestPasswordReset run before a tenant is known. Rather than a bypass
// (a BYPASSRLS role, a SECURITY DEFINER function or a "no tenant set → see everything" policy,
// each of which opens every tenant to any bug), each of them gets a narrow SELECT-only policy
// keyed by what the caller presented:
//   app.login_email        → the users (and their tenants) holding exactly that email, so a login
//                            can verify the password against them and nothing else;
//   app.refresh_token_hash → the one refresh_tokens row whose SHA-256 matches the presented
//                            opaque token (256 random bits: unguessable).
//   app.external_issuer +
//   app.external_subject   → the one identity an external issuer's user (issuer, subject) has, so
//                            the router's first request for that user can find or make it.
// These policies never admit INSERT/UPDATE: once the row is found, the transaction enters the
// owning tenant's scope (app.tenant_id, taken from that row) for every write, so writes always
// pass the ordinary tenant policy. An unset setting matches no row.
//
// The policies keep the names the first, hand-written migration gave them (`<table>_isolation`).
import { sql } from 'drizzle-orm';
import { PLAN_TIERS, type PlanTier } from './enums.ts';
import {
  check,
  foreignKey,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  declareSecurity,
  inTenantScope,
  lookupPolicy,
  scopePolicy,
  settingMatches,
  sharedTable,
  tenantIsolation,
  tenantTable,
} from '@eventzr/lib/rls';

export { PLAN_TIERS, type PlanTier };

/** A customer organisation: the unit every other table (here and in other subgraphs) is isolated by. */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    planTier: text('plan_tier').$type<PlanTier>().notNull().default('free'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    check('tenants_plan_tier_check', sql`${t.planTier} in ('free', 'starter', 'professional', 'enterprise')`),
    check('tenants_name_check', sql`char_length(${t.name}) between 1 and 200`),
    // A tenant scope sees (and may create, for registration) only its own tenant row.
    tenantIsolation(t.id, 'tenants_isolation'),
    // Login lists the tenants of the accounts it matched; the users policy bounds the subquery.
    // (users is named in SQL: referring to the drizzle table would make the two types circular.)
    scopePolicy(
      'tenants_login_lookup',
      'select',
      sql`exists (select 1 from users u where u.tenant_id = ${t.id} and ${settingMatches('app.login_email', sql`lower(u.email)`)})`,
    ),
  ],
).enableRLS();

/**
 * A person, once for the whole platform: ONE identity per email (password sign-in), or one per
 * (issuer, subject) for the users of a trusted external issuer (Auth0). An identity belongs to
 * tenants through memberships (`users` rows, which carry the roles). Not tenant data: an identity
 * is shared by the tenants it is a member of, and none of them may read its credential, so no
 * tenant scope sees this table at all; only the pre-tenant lookups (an email presented at login,
 * an external subject the router presents) do.
 */
export const identities = pgTable(
  'identities',
  {
    id: uuid('id').primaryKey(),
    /** As registered (password identities); the external issuer's claim, possibly empty, otherwise. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** argon2id PHC string; null for an external issuer's user (they sign in there). */
    passwordHash: text('password_hash'),
    /** `iss` of the external issuer vouching for this identity; null for password identities. */
    externalIssuer: text('external_issuer'),
    /** `sub` of the external issuer's token. */
    externalSubject: text('external_subject'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // One password identity per email, platform-wide: what keeps a stranger from registering an
    // account under someone else's email (and from slowing their login, which verifies exactly one).
    uniqueIndex('identities_email_key')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.externalIssuer} is null`),
    uniqueIndex('identities_external_key').on(t.externalIssuer, t.externalSubject),
    check(
      'identities_kind_check',
      sql`(${t.externalIssuer} is null and ${t.externalSubject} is null and ${t.passwordHash} is not null)
        or (${t.externalIssuer} is not null and ${t.externalSubject} is not null and ${t.passwordHash} is null)`,
    ),
    check(
      'identities_email_check',
      sql`char_length(${t.email}) <= 320 and (${t.externalIssuer} is not null or char_length(${t.email}) >= 3)`,
    ),
    check('identities_name_check', sql`char_length(${t.name}) <= 200`),
    lookupPolicy('identities_login_lookup', 'app.login_email', sql`lower(${t.email})`),
    scopePolicy(
      'identities_external_lookup',
      'select',
      sql`${settingMatches('app.external_issuer', t.externalIssuer)} and ${settingMatches('app.external_subject', t.externalSubject)}`,
    ),
    // Made by registration and by an external user's first request, each inside the tenant scope
    // that also receives the identity's first membership.
    scopePolicy('identities_insert', 'insert', inTenantScope),
  ],
).enableRLS();

/**
 * A membership: an identity's account in one tenant, with its roles there. Its id is the access
 * token's `sub` and the `User` entity's id (a person in two tenants has two user ids, as before
 * identities existed, so every reference other subgraphs hold stays valid). `email` and `name`
 * are the identity's as of joining: the tenant's directory reads them without ever reaching the
 * identity (and its credential).
 */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    identityId: uuid('identity_id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** Lowercase role names of lib/permissions ROLES. */
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`'{user}'::text[]`),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'users_tenant_fk', columns: [t.tenantId], foreignColumns: [tenants.id] }).onDelete('cascade'),
    foreignKey({ name: 'users_identity_fk', columns: [t.identityId], foreignColumns: [identities.id] }).onDelete(
      'cascade',
    ),
    // One membership per identity and tenant.
    uniqueIndex('users_tenant_identity_key').on(t.tenantId, t.identityId),
    index('users_identity_idx').on(t.identityId),
    // Target of the composite foreign keys below, which pin a token to its user's own tenant.
    unique('users_tenant_id_id_key').on(t.tenantId, t.id),
    // Login and password reset look an email up before the tenant is known.
    index('users_email_lower_idx').on(sql`lower(${t.email})`),
    check('users_roles_check', sql`${t.roles} <@ array['viewer', 'user', 'organizer', 'admin']::text[]`),
    // An external issuer's user may come without an email (their token's claim, possibly empty).
    check('users_email_check', sql`char_length(${t.email}) <= 320`),
    check('users_name_check', sql`char_length(${t.name}) between 1 and 200`),
    tenantIsolation(t.tenantId, 'users_isolation'),
    lookupPolicy('users_login_lookup', 'app.login_email', sql`lower(${t.email})`),
  ],
).enableRLS();

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    userId: uuid('user_id').notNull(),
    /** Every token descended from one login shares a family; reuse of a rotated one revokes it. */
    familyId: uuid('family_id').notNull(),
    /** base64url SHA-256 of the opaque token: the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    foreignKey({
      name: 'refresh_tokens_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
    unique('refresh_tokens_tenant_token_hash_key').on(t.tenantId, t.tokenHash),
    // refreshToken finds a presented token before its tenant is known.
    index('refresh_tokens_token_hash_idx').on(t.tokenHash),
    index('refresh_tokens_tenant_family_idx').on(t.tenantId, t.familyId),
    tenantIsolation(t.tenantId, 'refresh_tokens_isolation'),
    lookupPolicy('refresh_tokens_presented', 'app.refresh_token_hash', t.tokenHash),
  ],
).enableRLS();

/**
 * A password reset asked for by an identity: issued by the background sender (services/resets.ts)
 * from a request in `password_reset_requests`, never on the request path. Not tenant data: the
 * password is the identity's, for every tenant it belongs to.
 */
export const identityPasswordResets = pgTable(
  'identity_password_resets',
  {
    id: uuid('id').primaryKey(),
    identityId: uuid('identity_id').notNull(),
    /** base64url SHA-256 of the opaque token: the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when the token is consumed or superseded by a newer request. */
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    foreignKey({
      name: 'identity_password_resets_identity_fk',
      columns: [t.identityId],
      foreignColumns: [identities.id],
    }).onDelete('cascade'),
    unique('identity_password_resets_token_hash_key').on(t.tokenHash),
    index('identity_password_resets_identity_idx').on(t.identityId),
  ],
);

/**
 * The queue between `requestPasswordReset` and the background sender: every request, for a known
 * email or not, writes one row here and nothing else, so both answer after the same work. The
 * sender (a background task of the auth process) takes rows with FOR UPDATE SKIP LOCKED, issues
 * and delivers the token when the email has an identity, and deletes the row in the same
 * transaction: a crash before its commit leaves the row for the next run (at least once).
 */
export const passwordResetRequests = pgTable(
  'password_reset_requests',
  {
    id: uuid('id').primaryKey(),
    /** Lowercased, as presented. */
    email: text('email').notNull(),
    /** The optional `tenantId` of the request: only an identity with a membership there. */
    onlyTenantId: uuid('only_tenant_id'),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('password_reset_requests_requested_at_idx').on(t.requestedAt),
    check('password_reset_requests_email_check', sql`char_length(${t.email}) <= 320`),
  ],
);

/**
 * The role that alone may read (and write) signing keys: the auth process's key store and the
 * rotation command connect as it (DATABASE_SIGNER_URL; on the embedded PGlite, a SET ROLE per
 * transaction). The application role that serves requests holds no privilege on signing_keys at
 * all, so no query a request can cause reaches a private key.
 */
export const SIGNER_ROLE = 'eventzr_signer';

/**
 * The RS256 keys access tokens are signed with. Not tenant data: one key set for the whole
 * installation, kept in the database so every replica signs with (and publishes) the same key.
 * A key's life (services/signing-keys.ts): published (in the JWKS, not signing: activated_at
 * null) → active (signs: activated_at set) → retired (retired_at set: still in the JWKS until the
 * tokens it signed have expired) → deleted.
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    alg: text('alg').notNull(),
    /** The public half as a JWK: what /.well-known/jwks.json serves. */
    publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
    /** PKCS#8 PEM. Readable by SIGNER_ROLE only. */
    privateKey: text('private_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * When the key started signing; null while it is only published. The default makes a key
     * inserted without saying (the first start's) active at once, and made the keys that existed
     * before rotation active when the column was added.
     */
    activatedAt: timestamp('activated_at', { withTimezone: true, mode: 'date' }).defaultNow(),
    /** Set when a newer key takes over signing; a retired key stays published until tokens it signed expire. */
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    // At most one key signs at a time; replicas racing to create the first one insert
    // "on conflict do nothing" against this index and then all read the winner.
    uniqueIndex('signing_keys_one_active_key')
      .on(sql`(${t.retiredAt} is null)`)
      .where(sql`${t.activatedAt} is not null and ${t.retiredAt} is null`),
    // At most one key waits to take over: publishing twice finds the one already waiting.
    uniqueIndex('signing_keys_one_next_key')
      .on(sql`(${t.activatedAt} is null)`)
      .where(sql`${t.activatedAt} is null and ${t.retiredAt} is null`),
    check('signing_keys_alg_check', sql`${t.alg} = 'RS256'`),
  ],
);

/**
 * What the application role may do: only what the code does. No DELETE anywhere; UPDATE only of
 * the columns that change. Ids are made by the services (randomUUID), never taken from input.
 */
export const security = declareSecurity([
  tenantTable(tenants, { tenantColumn: tenants.id, grant: ['select', 'insert'] }),
  // UPDATE of roles: an external issuer's user's roles follow their issuer's tokens (identities.ts).
  tenantTable(users, { grant: ['select', 'insert'], update: [users.roles], serverGeneratedKey: true }),
  sharedTable(identities, {
    why: 'one identity per person for the whole platform, shared by the tenants it is a member of (memberships are `users`); no tenant scope reads it',
    grant: ['select', 'insert'],
  }),
  tenantTable(refreshTokens, {
    grant: ['select', 'insert'],
    update: [refreshTokens.rotatedAt, refreshTokens.revokedAt],
    serverGeneratedKey: true,
  }),
  sharedTable(identityPasswordResets, {
    why: "reset tokens of an identity's password, which serves every tenant it belongs to (services/resets.ts)",
    rls: false,
    grant: ['select', 'insert'],
    update: [identityPasswordResets.usedAt],
  }),
  sharedTable(passwordResetRequests, {
    why: 'reset requests waiting for the background sender, before any identity or tenant is known (services/resets.ts); deleted once handled',
    rls: false,
    grant: ['select', 'insert', 'delete'],
    // Only for the row locks of SELECT ... FOR UPDATE SKIP LOCKED, which PostgreSQL grants with an
    // UPDATE privilege; nothing updates the column.
    update: [passwordResetRequests.requestedAt],
  }),
  sharedTable(signingKeys, {
    why: "the installation's token-signing keys, shared by every replica and used for every tenant (services/signing-keys.ts)",
    rls: false,
    // Nothing for the request role: the JWKS, too, is read through the signer's connection.
    grant: [],
    roles: {
      [SIGNER_ROLE]: {
        grant: ['select', 'insert', 'delete'],
        update: [signingKeys.activatedAt, signingKeys.retiredAt],
      },
    },
  }),
]);

export type TenantRow = typeof tenants.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type IdentityRow = typeof identities.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
