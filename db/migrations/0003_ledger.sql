CREATE TABLE `journal_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`ref_type` text NOT NULL,
	`ref_id` text NOT NULL,
	`label` text NOT NULL,
	`value_date` text NOT NULL,
	`posted_at` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`reverses_entry_id` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	FOREIGN KEY (`reverses_entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_seq_unique` ON `journal_entries` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_idempotency_unique` ON `journal_entries` (`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_reverses_unique` ON `journal_entries` (`reverses_entry_id`);--> statement-breakpoint
CREATE INDEX `journal_entries_ref_idx` ON `journal_entries` (`ref_type`,`ref_id`);--> statement-breakpoint
CREATE INDEX `journal_entries_value_date_idx` ON `journal_entries` (`value_date`);--> statement-breakpoint
CREATE TABLE `journal_lines` (
	`id` integer PRIMARY KEY NOT NULL,
	`entry_id` text NOT NULL,
	`account_id` text NOT NULL,
	`debit_cents` integer DEFAULT 0 NOT NULL,
	`credit_cents` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "journal_lines_one_side" CHECK((debit_cents > 0 AND credit_cents = 0) OR (debit_cents = 0 AND credit_cents > 0))
);
--> statement-breakpoint
CREATE INDEX `journal_lines_account_idx` ON `journal_lines` (`account_id`,`entry_id`,`debit_cents`,`credit_cents`);--> statement-breakpoint
CREATE INDEX `journal_lines_entry_idx` ON `journal_lines` (`entry_id`);--> statement-breakpoint
CREATE TABLE `ledger_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`normal_side` text NOT NULL,
	`allow_negative` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "ledger_accounts_normal_side" CHECK(normal_side IN ('debit', 'credit'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_accounts_code_unique` ON `ledger_accounts` (`code`);