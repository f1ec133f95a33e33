-- drizzle-kit's, plus DROP POLICY IF EXISTS before each CREATE POLICY: why in lib/src/rls.ts (adopting 0001_rls.sql).
ALTER TABLE "password_reset_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "refresh_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP POLICY IF EXISTS "password_reset_tokens_isolation" ON "password_reset_tokens";--> statement-breakpoint
CREATE POLICY "password_reset_tokens_isolation" ON "password_reset_tokens" AS PERMISSIVE FOR ALL TO public USING ("password_reset_tokens"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("password_reset_tokens"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "refresh_tokens_isolation" ON "refresh_tokens";--> statement-breakpoint
CREATE POLICY "refresh_tokens_isolation" ON "refresh_tokens" AS PERMISSIVE FOR ALL TO public USING ("refresh_tokens"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("refresh_tokens"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "refresh_tokens_presented" ON "refresh_tokens";--> statement-breakpoint
CREATE POLICY "refresh_tokens_presented" ON "refresh_tokens" AS PERMISSIVE FOR SELECT TO public USING ("refresh_tokens"."token_hash" = nullif(current_setting('app.refresh_token_hash', true), ''));--> statement-breakpoint
DROP POLICY IF EXISTS "tenants_isolation" ON "tenants";--> statement-breakpoint
CREATE POLICY "tenants_isolation" ON "tenants" AS PERMISSIVE FOR ALL TO public USING ("tenants"."id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("tenants"."id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "tenants_login_lookup" ON "tenants";--> statement-breakpoint
CREATE POLICY "tenants_login_lookup" ON "tenants" AS PERMISSIVE FOR SELECT TO public USING (exists (select 1 from users u where u.tenant_id = "tenants"."id" and lower(u.email) = nullif(current_setting('app.login_email', true), '')));--> statement-breakpoint
DROP POLICY IF EXISTS "users_isolation" ON "users";--> statement-breakpoint
CREATE POLICY "users_isolation" ON "users" AS PERMISSIVE FOR ALL TO public USING ("users"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("users"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "users_login_lookup" ON "users";--> statement-breakpoint
CREATE POLICY "users_login_lookup" ON "users" AS PERMISSIVE FOR SELECT TO public USING (lower("users"."email") = nullif(current_setting('app.login_email', true), ''));