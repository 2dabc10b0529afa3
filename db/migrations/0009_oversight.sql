ALTER TABLE `orders` ADD COLUMN `allowed_services` text;--> statement-breakpoint
CREATE TABLE `program_state_terms` (
	`program_id` text PRIMARY KEY NOT NULL,
	`state_organisation_id` text,
	`pays_on` text DEFAULT 'purchase' NOT NULL,
	`max_order_cents` integer,
	`territory_min` text DEFAULT 'any' NOT NULL,
	`priority_quota_basis_points` integer,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `cofinancing_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`state_organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "program_state_terms_pays_on" CHECK(pays_on IN ('purchase', 'use')),
	CONSTRAINT "program_state_terms_territory_min" CHECK(territory_min IN ('any', 'commune_grouping')),
	CONSTRAINT "program_state_terms_quota_range" CHECK(priority_quota_basis_points IS NULL OR priority_quota_basis_points BETWEEN 0 AND 10000)
);
--> statement-breakpoint
CREATE INDEX `program_state_terms_state_idx` ON `program_state_terms` (`state_organisation_id`);--> statement-breakpoint
CREATE TABLE `end_of_validity_steps` (
	`order_id` text NOT NULL,
	`step` text NOT NULL,
	`at` text NOT NULL,
	`user_id` text,
	`organisation_id` text,
	`data` text,
	PRIMARY KEY(`order_id`, `step`),
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "end_of_validity_steps_step" CHECK(step IN ('blocking_approved', 'acknowledged', 'closing_signed_buyer', 'closing_signed_operator'))
);
--> statement-breakpoint
CREATE TRIGGER `end_of_validity_steps_no_update` BEFORE UPDATE ON `end_of_validity_steps` BEGIN SELECT RAISE(ABORT, 'end_of_validity_steps is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `end_of_validity_steps_no_delete` BEFORE DELETE ON `end_of_validity_steps` BEGIN SELECT RAISE(ABORT, 'end_of_validity_steps is append-only'); END;
