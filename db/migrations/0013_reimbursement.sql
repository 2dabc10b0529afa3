CREATE TABLE `payout_lines` (
	`payout_id` text NOT NULL,
	`line_id` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`payout_id`) REFERENCES `payouts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`line_id`) REFERENCES `reimbursement_lines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payout_lines_payout_idx` ON `payout_lines` (`payout_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payout_lines_one_active` ON `payout_lines` (`line_id`) WHERE active = 1;--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`place_id` text NOT NULL,
	`reference` text NOT NULL,
	`bank_account_id` text NOT NULL,
	`holder` text NOT NULL,
	`iban` text NOT NULL,
	`bic` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`line_count` integer NOT NULL,
	`status` text NOT NULL,
	`export_entry_id` text,
	`rejected_at` text,
	`rejection_reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `reimbursement_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`place_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payouts_amount_positive" CHECK("payouts"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_reference_unique` ON `payouts` (`reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_batch_place_unique` ON `payouts` (`batch_id`,`place_id`);--> statement-breakpoint
CREATE INDEX `payouts_place_idx` ON `payouts` (`place_id`);--> statement-breakpoint
CREATE TABLE `reimbursement_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`total_cents` integer NOT NULL,
	`payout_count` integer NOT NULL,
	`line_count` integer NOT NULL,
	`message_id` text,
	`requested_execution_date` text,
	`created_at` text NOT NULL,
	`created_by_user_id` text,
	`approved_at` text,
	`approved_by_user_id` text,
	`paid_on` text,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`approved_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reimbursement_batches_period_unique` ON `reimbursement_batches` (`period`);--> statement-breakpoint
CREATE TABLE `reimbursement_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`redemption_id` text NOT NULL,
	`place_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`period` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`redemption_id`) REFERENCES `redemptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reimbursement_lines_redemption_unique` ON `reimbursement_lines` (`redemption_id`);--> statement-breakpoint
CREATE INDEX `reimbursement_lines_place_idx` ON `reimbursement_lines` (`place_id`,`period`);--> statement-breakpoint
CREATE TABLE `reimbursement_status_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor_user_id` text,
	`reason` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reimbursement_status_log_subject_idx` ON `reimbursement_status_log` (`subject_type`,`subject_id`);