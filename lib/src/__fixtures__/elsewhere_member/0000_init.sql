DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventzr_app') THEN CREATE ROLE eventzr_app NOLOGIN; END IF; END $$;
--> statement-breakpoint
CREATE ROLE eventzr_tables NOLOGIN;
--> statement-breakpoint
CREATE SCHEMA other;
--> statement-breakpoint
CREATE TABLE other.kept (id serial PRIMARY KEY);
--> statement-breakpoint
ALTER TABLE other.kept OWNER TO eventzr_tables;
--> statement-breakpoint
GRANT eventzr_tables TO eventzr_app;
