CREATE TABLE `credit_note_passes` (
	`credit_note_id` text NOT NULL,
	`pass_id` integer NOT NULL,
	FOREIGN KEY (`credit_note_id`) REFERENCES `credit_notes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pass_id`) REFERENCES `passes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_note_passes_pass_unique` ON `credit_note_passes` (`pass_id`);--> statement-breakpoint
CREATE INDEX `credit_note_passes_note_idx` ON `credit_note_passes` (`credit_note_id`);--> statement-breakpoint
CREATE TABLE `credit_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`program_id` text,
	`pass_count` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`buyer_share_cents` integer NOT NULL,
	`state_share_cents` integer NOT NULL,
	`issued_on` text NOT NULL,
	`journal_entry_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_notes_number_unique` ON `credit_notes` (`number`);--> statement-breakpoint
CREATE INDEX `credit_notes_order_idx` ON `credit_notes` (`order_id`);--> statement-breakpoint
CREATE INDEX `credit_notes_buyer_idx` ON `credit_notes` (`buyer_id`);