DROP INDEX `redemptions_pass_idx`;--> statement-breakpoint
DROP INDEX `journal_entries_reverses_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_reverses_unique` ON `journal_entries` (`reverses_entry_id`) WHERE reverses_entry_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);