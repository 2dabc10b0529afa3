ALTER TABLE `cofinancing_programs` ADD COLUMN `payer` text;--> statement-breakpoint
CREATE TABLE `bank_statements` (
	`id` text PRIMARY KEY NOT NULL,
	`format` text NOT NULL,
	`content_sha256` text NOT NULL,
	`account` text NOT NULL,
	`statement_ref` text NOT NULL,
	`from_date` text NOT NULL,
	`to_date` text NOT NULL,
	`opening_cents` integer NOT NULL,
	`closing_cents` integer NOT NULL,
	`entry_count` integer NOT NULL,
	`new_entry_count` integer NOT NULL,
	`imported_at` text NOT NULL,
	`imported_by_user_id` text REFERENCES `users`(`id`)
);--> statement-breakpoint
CREATE UNIQUE INDEX `bank_statements_content_unique` ON `bank_statements` (`content_sha256`);--> statement-breakpoint
CREATE INDEX `bank_statements_to_date_idx` ON `bank_statements` (`to_date`);--> statement-breakpoint
CREATE TABLE `bank_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`statement_id` text NOT NULL REFERENCES `bank_statements`(`id`),
	`entry_ref` text NOT NULL,
	`booking_date` text NOT NULL,
	`direction` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`end_to_end_id` text,
	`remittance` text,
	`counterparty` text,
	`return_reason` text,
	`status` text NOT NULL,
	`matched_kind` text,
	`matched_id` text,
	`dismissed_reason` text,
	`resolved_by_user_id` text REFERENCES `users`(`id`),
	`resolved_at` text,
	`created_at` text NOT NULL,
	CONSTRAINT `bank_entries_amount_positive` CHECK(amount_cents > 0),
	CONSTRAINT `bank_entries_direction` CHECK(direction IN ('credit', 'debit')),
	CONSTRAINT `bank_entries_status` CHECK(status IN ('matched', 'unmatched', 'dismissed'))
);--> statement-breakpoint
CREATE UNIQUE INDEX `bank_entries_ref_unique` ON `bank_entries` (`entry_ref`);--> statement-breakpoint
CREATE INDEX `bank_entries_statement_idx` ON `bank_entries` (`statement_id`);--> statement-breakpoint
CREATE INDEX `bank_entries_status_idx` ON `bank_entries` (`status`);
