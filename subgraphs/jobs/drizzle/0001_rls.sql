-- Roles, grants and Row Level Security for the jobs subgraph.
--
-- Requests run as eventzr_app, which owns no table, so every policy below applies to it (FORCE
-- makes them apply to the owner as well). Each request sets its scope with set_config(..., true):
-- transaction-local, so nothing survives on a pooled connection. An unset setting reads as ''
-- or NULL and matches no row.
--
-- Two scopes exist:
--   app.tenant_id = <uuid>  a user's request: its own tenant's rows, nothing else;
--   app.worker    = 'on'    the worker protocol (internal callers only, enforced by the server):
--                           the queue is platform-wide, so a worker transaction may read and
--                           update jobs of every tenant, record job events and maintain the worker
--                           registry. It may not create or delete jobs, nor touch quotas.
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
-- Only what the code does; UPDATE only of the columns that change. DELETE on jobs is the DLQ
-- purge (job_events follow by ON DELETE CASCADE, which runs as the table owner).
GRANT SELECT, INSERT, DELETE ON jobs TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (status, priority, payload, result, attempts, last_error, run_at, lease_expires_at, worker_id,
              updated_at, started_at, finished_at) ON jobs TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON job_events TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON job_quota_usage TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (used) ON job_quota_usage TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON tenant_job_quotas TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (daily_limit, updated_by, updated_at) ON tenant_job_quotas TO eventzr_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON workers TO eventzr_app;
--> statement-breakpoint
GRANT UPDATE (types, lease_seconds, last_heartbeat_at) ON workers TO eventzr_app;
--> statement-breakpoint
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE job_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE job_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE job_quota_usage ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE job_quota_usage FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenant_job_quotas ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE tenant_job_quotas FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Not tenant data, but no table is left open: the registry is readable in any scope and
-- writable only by the worker protocol.
ALTER TABLE workers ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE workers FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY jobs_tenant_isolation ON jobs
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY jobs_worker_select ON jobs FOR SELECT
  USING (current_setting('app.worker', true) = 'on');
--> statement-breakpoint
CREATE POLICY jobs_worker_update ON jobs FOR UPDATE
  USING (current_setting('app.worker', true) = 'on')
  WITH CHECK (current_setting('app.worker', true) = 'on');
--> statement-breakpoint
CREATE POLICY job_events_tenant_isolation ON job_events
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
-- A worker records what it did to a job; the composite foreign key keeps tenant_id the job's own.
CREATE POLICY job_events_worker_insert ON job_events FOR INSERT
  WITH CHECK (current_setting('app.worker', true) = 'on');
--> statement-breakpoint
CREATE POLICY job_quota_usage_tenant_isolation ON job_quota_usage
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY tenant_job_quotas_tenant_isolation ON tenant_job_quotas
  USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY workers_read ON workers FOR SELECT
  USING (current_setting('app.worker', true) = 'on'
         OR nullif(current_setting('app.tenant_id', true), '') IS NOT NULL);
--> statement-breakpoint
CREATE POLICY workers_worker_insert ON workers FOR INSERT
  WITH CHECK (current_setting('app.worker', true) = 'on');
--> statement-breakpoint
CREATE POLICY workers_worker_update ON workers FOR UPDATE
  USING (current_setting('app.worker', true) = 'on')
  WITH CHECK (current_setting('app.worker', true) = 'on');
