ALTER TABLE `place_sites` ADD `phone` text;--> statement-breakpoint
ALTER TABLE `place_sites` ADD `email` text;--> statement-breakpoint
ALTER TABLE `place_sites` ADD `website` text;--> statement-breakpoint
ALTER TABLE `place_sites` ADD `accessibility` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `place_sites` ADD `accessibility_url` text;--> statement-breakpoint
CREATE TABLE `print_logos` (
	`sha256` text PRIMARY KEY NOT NULL,
	`mime` text NOT NULL,
	`data` blob NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `print_settings` (
	`order_id` text PRIMARY KEY NOT NULL,
	`cover_title` text,
	`cover_message` text,
	`letter_text` text,
	`logo_sha256` text,
	`updated_at` text NOT NULL,
	`updated_by_user_id` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`logo_sha256`) REFERENCES `print_logos`(`sha256`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`updated_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `print_proof_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`version` integer NOT NULL,
	`settings` text NOT NULL,
	`status` text NOT NULL CHECK (`status` IN ('waiting', 'accepted', 'rejected', 'superseded')),
	`created_at` text NOT NULL,
	`created_by_user_id` text,
	`decided_at` text,
	`decided_by_user_id` text,
	`comment` text,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `print_proof_versions_order_version_unique` ON `print_proof_versions` (`order_id`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `print_proof_versions_one_open` ON `print_proof_versions` (`order_id`) WHERE status IN ('waiting', 'accepted');
