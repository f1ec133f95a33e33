DROP INDEX "signing_keys_one_active_key";--> statement-breakpoint
ALTER TABLE "signing_keys" ADD COLUMN "activated_at" timestamp with time zone DEFAULT now();--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_one_next_key" ON "signing_keys" USING btree (("activated_at" is null)) WHERE "signing_keys"."activated_at" is null and "signing_keys"."retired_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "signing_keys_one_active_key" ON "signing_keys" USING btree (("retired_at" is null)) WHERE "signing_keys"."activated_at" is not null and "signing_keys"."retired_at" is null;