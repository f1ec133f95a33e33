-- Roles, grants and Row Level Security for the auth subgraph.
--
-- Requests run as eventzr_app, which owns no table, so every policy below applies to it (and
-- FORCE makes them apply to the owner as well). Each request sets its scope with
-- set_config(..., true): transaction-local, so nothing survives on a pooled connection.
--
-- Login, refreshToken and requestPasswordReset run before a tenant is known. Rather than a
-- bypass (a BYPASSRLS role, a SECURITY DEFINER function or a "no tenant set → see everything"
-- policy, each of which opens every tenant to any bug), each of them gets a narrow SELECT-only
-- policy keyed by what the caller presented:
--   app.login_email        → the users (and their tenants) holding exactly that email, so a login
--                            can verify the password against them and nothing else;
--   app.refresh_token_hash → the one refresh_tokens row whose SHA-256 matches the presented
--                            opaque token (256 random bits: unguessable).
-- These policies never admit INSERT/UPDATE: once the row is found, the transaction enters the
-- owning tenant's scope (app.tenant_id, taken from that row) for every write, so writes always
-- pass the ordinary tenant policy. An unset setting is '' or NULL and matches no row.
--
-- signing_keys has no tenant_id and no RLS: it is the installation's token-signing key, shared by
-- every replica and used for every tenant (see src/tokens.ts).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventzr_app') THEN
    CREATE ROLE eventzr_app NOLOGIN;
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO eventzr_app;
--> statement-breakpoint
-- Only what the code does: no DELETE anywhere, and UPDATE only of the columns that change.
GRANT SELECT, INSERT ON tenants, users, signing_keys TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON refresh_tokens, password_reset_tokens TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (rotated_at, revoked_at) ON refresh_tokens TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (used_at) ON password_reset_tokens TO eventzr_app;
--> statement-breakpoint
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE password_reset_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE password_reset_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- A tenant scope sees (and may create, for registration) only its own tenant row.
CREATE POLICY tenants_isolation ON tenants
  USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
-- Login lists the tenants of the accounts it matched; the users policy below bounds the subquery.
CREATE POLICY tenants_login_lookup ON tenants FOR SELECT
  USING (EXISTS (
    SELECT 1 FROM users u
     WHERE u.tenant_id = tenants.id
       AND lower(u.email) = nullif(current_setting('app.login_email', true), '')
  ));
--> statement-breakpoint
CREATE POLICY users_isolation ON users
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY users_login_lookup ON users FOR SELECT
  USING (lower(email) = nullif(current_setting('app.login_email', true), ''));
--> statement-breakpoint
CREATE POLICY refresh_tokens_isolation ON refresh_tokens
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY refresh_tokens_presented ON refresh_tokens FOR SELECT
  USING (token_hash = nullif(current_setting('app.refresh_token_hash', true), ''));
--> statement-breakpoint
CREATE POLICY password_reset_tokens_isolation ON password_reset_tokens
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
