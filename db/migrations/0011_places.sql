CREATE TABLE `place_bank_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`place_id` text NOT NULL,
	`holder` text NOT NULL,
	`iban` text NOT NULL,
	`bic` text NOT NULL,
	`status` text NOT NULL,
	`submitted_at` text NOT NULL,
	`submitted_by_user_id` text,
	`decided_at` text,
	`decided_by_user_id` text,
	`decision_reason` text,
	`replaced_at` text,
	FOREIGN KEY (`place_id`) REFERENCES `places`(`organisation_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submitted_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `place_bank_accounts_place_idx` ON `place_bank_accounts` (`place_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `place_bank_accounts_one_pending` ON `place_bank_accounts` (`place_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX `place_bank_accounts_one_validated` ON `place_bank_accounts` (`place_id`) WHERE status = 'validated';--> statement-breakpoint
CREATE TABLE `place_sites` (
	`id` text PRIMARY KEY NOT NULL,
	`place_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`postal_code` text,
	`commune_code` text NOT NULL,
	`opening_hours` text,
	`services` text NOT NULL,
	`free` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`external_id` text,
	`latitude` real,
	`longitude` real,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`place_id`) REFERENCES `places`(`organisation_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `place_sites_place_idx` ON `place_sites` (`place_id`);--> statement-breakpoint
CREATE INDEX `place_sites_commune_idx` ON `place_sites` (`commune_code`);--> statement-breakpoint
CREATE UNIQUE INDEX `place_sites_external_unique` ON `place_sites` (`external_id`);--> statement-breakpoint
CREATE TABLE `places` (
	`organisation_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`legal_representative` text,
	`contact_email` text,
	`source` text NOT NULL,
	`pivot` text,
	`accepts_pass_numerique` integer DEFAULT false NOT NULL,
	`applied_at` text,
	`imported_at` text,
	`labelled_at` text,
	`decided_at` text,
	`decided_by_user_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `places_status_idx` ON `places` (`status`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`pass_id` integer NOT NULL,
	`place_id` text NOT NULL,
	`site_id` text NOT NULL,
	`service` text,
	`amount_cents` integer NOT NULL,
	`redeemed_at` text NOT NULL,
	`period` text NOT NULL,
	`redeemed_by_user_id` text,
	`status` text NOT NULL,
	`journal_entry_id` text NOT NULL,
	`batched_at` text,
	`cancelled_at` text,
	`cancelled_by_user_id` text,
	`cancel_journal_entry_id` text,
	FOREIGN KEY (`pass_id`) REFERENCES `passes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`place_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `place_sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`redeemed_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`cancelled_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "redemptions_amount_positive" CHECK("redemptions"."amount_cents" > 0),
	CONSTRAINT "redemptions_cancel_consistent" CHECK(("redemptions"."status" = 'cancelled') = ("redemptions"."cancelled_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_one_live_per_pass` ON `redemptions` (`pass_id`) WHERE status = 'live';--> statement-breakpoint
CREATE INDEX `redemptions_pass_idx` ON `redemptions` (`pass_id`);--> statement-breakpoint
CREATE INDEX `redemptions_place_period_idx` ON `redemptions` (`place_id`,`period`,`redeemed_at`);--> statement-breakpoint
CREATE INDEX `redemptions_period_idx` ON `redemptions` (`period`,`status`);