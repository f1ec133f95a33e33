DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'eventzr_app') THEN CREATE ROLE eventzr_app NOLOGIN; END IF; END $$;
--> statement-breakpoint
CREATE TABLE leaky (id serial PRIMARY KEY);
--> statement-breakpoint
ALTER TABLE leaky OWNER TO eventzr_app;
