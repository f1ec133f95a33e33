-- drizzle-kit's, plus DROP POLICY IF EXISTS before each CREATE POLICY: why in lib/src/rls.ts (adopting 0001_rls.sql).
ALTER TABLE "job_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "job_quota_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_job_quotas" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "workers" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP POLICY IF EXISTS "job_events_tenant_isolation" ON "job_events";--> statement-breakpoint
CREATE POLICY "job_events_tenant_isolation" ON "job_events" AS PERMISSIVE FOR ALL TO public USING ("job_events"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("job_events"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "job_events_worker_insert" ON "job_events";--> statement-breakpoint
CREATE POLICY "job_events_worker_insert" ON "job_events" AS PERMISSIVE FOR INSERT TO public WITH CHECK (current_setting('app.worker', true) = 'on');--> statement-breakpoint
DROP POLICY IF EXISTS "job_quota_usage_tenant_isolation" ON "job_quota_usage";--> statement-breakpoint
CREATE POLICY "job_quota_usage_tenant_isolation" ON "job_quota_usage" AS PERMISSIVE FOR ALL TO public USING ("job_quota_usage"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("job_quota_usage"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "jobs_tenant_isolation" ON "jobs";--> statement-breakpoint
CREATE POLICY "jobs_tenant_isolation" ON "jobs" AS PERMISSIVE FOR ALL TO public USING ("jobs"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("jobs"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "jobs_worker_select" ON "jobs";--> statement-breakpoint
CREATE POLICY "jobs_worker_select" ON "jobs" AS PERMISSIVE FOR SELECT TO public USING (current_setting('app.worker', true) = 'on');--> statement-breakpoint
DROP POLICY IF EXISTS "jobs_worker_update" ON "jobs";--> statement-breakpoint
CREATE POLICY "jobs_worker_update" ON "jobs" AS PERMISSIVE FOR UPDATE TO public USING (current_setting('app.worker', true) = 'on') WITH CHECK (current_setting('app.worker', true) = 'on');--> statement-breakpoint
DROP POLICY IF EXISTS "tenant_job_quotas_tenant_isolation" ON "tenant_job_quotas";--> statement-breakpoint
CREATE POLICY "tenant_job_quotas_tenant_isolation" ON "tenant_job_quotas" AS PERMISSIVE FOR ALL TO public USING ("tenant_job_quotas"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("tenant_job_quotas"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
DROP POLICY IF EXISTS "workers_read" ON "workers";--> statement-breakpoint
CREATE POLICY "workers_read" ON "workers" AS PERMISSIVE FOR SELECT TO public USING (current_setting('app.worker', true) = 'on' or nullif(current_setting('app.tenant_id', true), '') is not null);--> statement-breakpoint
DROP POLICY IF EXISTS "workers_worker_insert" ON "workers";--> statement-breakpoint
CREATE POLICY "workers_worker_insert" ON "workers" AS PERMISSIVE FOR INSERT TO public WITH CHECK (current_setting('app.worker', true) = 'on');--> statement-breakpoint
DROP POLICY IF EXISTS "workers_worker_update" ON "workers";--> statement-breakpoint
CREATE POLICY "workers_worker_update" ON "workers" AS PERMISSIVE FOR UPDATE TO public USING (current_setting('app.worker', true) = 'on') WITH CHECK (current_setting('app.worker', true) = 'on');