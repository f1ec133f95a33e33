CREATE TABLE "identities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text,
	"external_issuer" text,
	"external_subject" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identities_kind_check" CHECK (("identities"."external_issuer" is null and "identities"."external_subject" is null and "identities"."password_hash" is not null)
        or ("identities"."external_issuer" is not null and "identities"."external_subject" is not null and "identities"."password_hash" is null)),
	CONSTRAINT "identities_email_check" CHECK (char_length("identities"."email") <= 320 and ("identities"."external_issuer" is not null or char_length("identities"."email") >= 3)),
	CONSTRAINT "identities_name_check" CHECK (char_length("identities"."name") <= 200)
);
--> statement-breakpoint
ALTER TABLE "identities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "identity_password_resets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"identity_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "identity_password_resets_token_hash_key" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "password_reset_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"only_tenant_id" uuid,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "password_reset_requests_email_check" CHECK (char_length("password_reset_requests"."email") <= 320)
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "identity_id" uuid;--> statement-breakpoint
ALTER TABLE "identity_password_resets" ADD CONSTRAINT "identity_password_resets_identity_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_email_key" ON "identities" USING btree (lower("email")) WHERE "identities"."external_issuer" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "identities_external_key" ON "identities" USING btree ("external_issuer","external_subject");--> statement-breakpoint
CREATE INDEX "identity_password_resets_identity_idx" ON "identity_password_resets" USING btree ("identity_id");--> statement-breakpoint
CREATE INDEX "password_reset_requests_requested_at_idx" ON "password_reset_requests" USING btree ("requested_at");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_identity_fk" FOREIGN KEY ("identity_id") REFERENCES "public"."identities"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "users_tenant_identity_key" ON "users" USING btree ("tenant_id","identity_id");--> statement-breakpoint
CREATE INDEX "users_identity_idx" ON "users" USING btree ("identity_id");--> statement-breakpoint
CREATE POLICY "identities_login_lookup" ON "identities" AS PERMISSIVE FOR SELECT TO public USING (lower("identities"."email") = nullif(current_setting('app.login_email', true), ''));--> statement-breakpoint
CREATE POLICY "identities_external_lookup" ON "identities" AS PERMISSIVE FOR SELECT TO public USING ("identities"."external_issuer" = nullif(current_setting('app.external_issuer', true), '') and "identities"."external_subject" = nullif(current_setting('app.external_subject', true), ''));--> statement-breakpoint
CREATE POLICY "identities_insert" ON "identities" AS PERMISSIVE FOR INSERT TO public WITH CHECK (nullif(current_setting('app.tenant_id', true), '') is not null);--> statement-breakpoint
-- Data (hand-written, issue 8): every existing account becomes a membership of ONE identity per
-- email. Accounts sharing an email (possible until now: emails were unique per tenant only) join
-- the identity made from the EARLIEST of them, whose password then signs in to all of them: the
-- account that held the email first is the one a later registration under it could not be
-- trusted to own (the attack this migration closes registered under a taken email). The identity
-- takes that account's id, so ids stay stable. The owner runs migrations without BYPASSRLS and
-- `users` forces row level security: it is lifted for this transaction only (drizzle's migrator
-- runs every pending migration in one transaction) and restored below, as the security
-- migration also states it.
ALTER TABLE "users" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
INSERT INTO "identities" ("id", "email", "name", "password_hash", "created_at")
SELECT DISTINCT ON (lower(u."email")) u."id", u."email", u."name", u."password_hash", u."created_at"
FROM "users" u
ORDER BY lower(u."email"), u."created_at", u."id";--> statement-breakpoint
UPDATE "users" u SET "identity_id" = i."id"
FROM "identities" i
WHERE i."external_issuer" IS NULL AND lower(i."email") = lower(u."email");--> statement-breakpoint
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
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