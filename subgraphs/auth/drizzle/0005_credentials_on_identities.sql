-- Credentials live on identities now (0004 copied them); reset tokens become per identity
-- (identity_password_resets): the old per-account ones are not carried over (nothing consumes them yet,
-- and they expire within PASSWORD_RESET_TTL_SECONDS).
DROP POLICY "password_reset_tokens_isolation" ON "password_reset_tokens" CASCADE;--> statement-breakpoint
DROP TABLE "password_reset_tokens" CASCADE;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "identity_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "users" DROP COLUMN "password_hash";