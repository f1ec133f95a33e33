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

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    /** argon2id PHC string; never leaves the repository layer's callers in auth. */
    passwordHash: text('password_hash').notNull(),
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
    // An email is unique within a tenant only: the same person may belong to several tenants.
    uniqueIndex('users_tenant_email_key').on(t.tenantId, sql`lower(${t.email})`),
    // Target of the composite foreign keys below, which pin a token to its user's own tenant.
    unique('users_tenant_id_id_key').on(t.tenantId, t.id),
    // Login and password reset look an email up before the tenant is known.
    index('users_email_lower_idx').on(sql`lower(${t.email})`),
    check('users_roles_check', sql`${t.roles} <@ array['viewer', 'user', 'organizer', 'admin']::text[]`),
    check('users_email_check', sql`char_length(${t.email}) between 3 and 255`),
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

export const passwordResetTokens = pgTable(
  'password_reset_tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    userId: uuid('user_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Set when the token is consumed or superseded by a newer request. */
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    foreignKey({
      name: 'password_reset_tokens_user_fk',
      columns: [t.tenantId, t.userId],
      foreignColumns: [users.tenantId, users.id],
    }).onDelete('cascade'),
    unique('password_reset_tokens_tenant_token_hash_key').on(t.tenantId, t.tokenHash),
    index('password_reset_tokens_tenant_user_idx').on(t.tenantId, t.userId),
    tenantIsolation(t.tenantId, 'password_reset_tokens_isolation'),
  ],
).enableRLS();

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
  tenantTable(users, { grant: ['select', 'insert'], serverGeneratedKey: true }),
  tenantTable(refreshTokens, {
    grant: ['select', 'insert'],
    update: [refreshTokens.rotatedAt, refreshTokens.revokedAt],
    serverGeneratedKey: true,
  }),
  tenantTable(passwordResetTokens, {
    grant: ['select', 'insert'],
    update: [passwordResetTokens.usedAt],
    serverGeneratedKey: true,
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
export type SigningKeyRow = typeof signingKeys.$inferSelect;
