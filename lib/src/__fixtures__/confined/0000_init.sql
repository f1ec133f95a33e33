DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventzr_app') THEN CREATE ROLE eventzr_app NOLOGIN; END IF; END $$;
--> statement-breakpoint
CREATE TABLE notes (id serial PRIMARY KEY, tenant_id uuid NOT NULL, body text NOT NULL);
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON notes TO eventzr_app;
--> statement-breakpoint
GRANT USAGE ON SEQUENCE notes_id_seq TO eventzr_app;
--> statement-breakpoint
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY notes_tenant ON notes USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
