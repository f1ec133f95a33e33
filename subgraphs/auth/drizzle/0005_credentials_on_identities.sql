-- Credentials live on identities now (0004 copied them). Reset tokens become per identity
-- (identity_password_resets): the old per-account ones are not carried over (nothing consumes them yet,
-- and they expire within PASSWORD_RESET_TTL_SECONDS). A membership is unique per (tenant, identity), and
-- one email has one password identity, so (tenant, email) needs no unique index of its own; an external
-- issuer's users may share an email or have none.
DROP POLICY "password_reset_tokens_isolation" ON "password_reset_tokens" CASCADE;--> statement-breakpoint
DROP TABLE "password_reset_tokens" CASCADE;--> statement-breakpoint
ALTER TABLE "users" DROP CONSTRAINT "users_email_check";--> statement-breakpoint
DROP INDEX "users_tenant_email_key";--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "identity_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "password_hash";--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_email_check" CHECK (char_length("users"."email") <= 320);