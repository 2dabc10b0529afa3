CREATE TABLE `cofinancing_programs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`rate_basis_points` integer NOT NULL,
	`eligible_buyer_types` text NOT NULL,
	`envelope_cents` integer NOT NULL,
	`committed_cents` integer DEFAULT 0 NOT NULL,
	`min_order_cents` integer,
	`per_buyer_cap_cents` integer,
	`starts_on` text NOT NULL,
	`ends_on` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "cofinancing_programs_committed_within_envelope" CHECK(committed_cents >= 0 AND committed_cents <= envelope_cents),
	CONSTRAINT "cofinancing_programs_rate_range" CHECK(rate_basis_points BETWEEN 1 AND 10000),
	CONSTRAINT "cofinancing_programs_dates_ordered" CHECK(starts_on <= ends_on)
);
--> statement-breakpoint
CREATE TABLE `program_commitments` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `cofinancing_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "program_commitments_amount_positive" CHECK(amount_cents > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `program_commitments_order_unique` ON `program_commitments` (`order_id`);--> statement-breakpoint
CREATE INDEX `program_commitments_program_buyer_idx` ON `program_commitments` (`program_id`,`buyer_id`);--> statement-breakpoint
CREATE TABLE `public_categories` (
	`code` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`priority` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL
);
