DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventzr_app') THEN CREATE ROLE eventzr_app NOLOGIN; END IF; END $$;
--> statement-breakpoint
CREATE SCHEMA other;
--> statement-breakpoint
CREATE TABLE other.leaky (id serial PRIMARY KEY);
--> statement-breakpoint
ALTER TABLE other.leaky OWNER TO eventzr_app;
