CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`params` text NOT NULL,
	`status` text NOT NULL,
	`progress_done` integer DEFAULT 0 NOT NULL,
	`progress_total` integer DEFAULT 0 NOT NULL,
	`error` text,
	`subject` text,
	`organisation_id` text,
	`started_by_user_id` text,
	`lease_owner` text,
	`lease_until` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	CONSTRAINT "jobs_status_check" CHECK("jobs"."status" IN ('queued', 'running', 'done', 'failed')),
	CONSTRAINT "jobs_progress_check" CHECK("jobs"."progress_done" >= 0 AND "jobs"."progress_total" >= 0)
);
--> statement-breakpoint
CREATE INDEX `jobs_pending_idx` ON `jobs` (`status`, `created_at`) WHERE "jobs"."status" IN ('queued', 'running');
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_one_pending_per_subject` ON `jobs` (`kind`, `subject`) WHERE "jobs"."status" IN ('queued', 'running') AND "jobs"."subject" IS NOT NULL;
--> statement-breakpoint
CREATE TABLE `scheduled_tasks` (
	`name` text PRIMARY KEY NOT NULL,
	`cron` text NOT NULL,
	`last_slot` text,
	`lease_owner` text,
	`lease_until` text,
	`last_started_at` text,
	`last_finished_at` text,
	`last_duration_ms` integer,
	`last_outcome` text,
	`last_detail` text,
	`next_run_at` text,
	CONSTRAINT "scheduled_tasks_outcome_check" CHECK("scheduled_tasks"."last_outcome" IS NULL OR "scheduled_tasks"."last_outcome" IN ('ok', 'failed'))
);
--> statement-breakpoint
CREATE TABLE `scheduled_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task` text NOT NULL,
	`slot` text NOT NULL,
	`owner` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`duration_ms` integer,
	`outcome` text,
	`detail` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_runs_task_slot_unique` ON `scheduled_runs` (`task`, `slot`);
--> statement-breakpoint
CREATE TABLE `service_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`started_at` text NOT NULL,
	`seen_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `readiness_probe` (
	`id` integer PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	CONSTRAINT "readiness_probe_single_row" CHECK("readiness_probe"."id" = 1)
);
