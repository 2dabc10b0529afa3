CREATE TABLE `booklet_movement_items` (
	`movement_id` integer NOT NULL,
	`booklet_id` text NOT NULL,
	PRIMARY KEY(`movement_id`, `booklet_id`),
	FOREIGN KEY (`movement_id`) REFERENCES `booklet_movements`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`booklet_id`) REFERENCES `booklets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `booklet_movement_items_booklet_idx` ON `booklet_movement_items` (`booklet_id`);--> statement-breakpoint
CREATE TABLE `booklet_movements` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`order_id` text NOT NULL,
	`from_organisation_id` text,
	`to_organisation_id` text,
	`booklet_count` integer NOT NULL,
	`serials_summary` text NOT NULL,
	`reason` text,
	`actor_user_id` text,
	`actor_organisation_id` text,
	`at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`from_organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`actor_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`actor_organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "booklet_movements_count_positive" CHECK(booklet_count > 0)
);
--> statement-breakpoint
CREATE INDEX `booklet_movements_order_idx` ON `booklet_movements` (`order_id`,`id`);--> statement-breakpoint
CREATE INDEX `booklet_movements_from_idx` ON `booklet_movements` (`from_organisation_id`,`id`);--> statement-breakpoint
CREATE INDEX `booklet_movements_to_idx` ON `booklet_movements` (`to_organisation_id`,`id`);--> statement-breakpoint
CREATE TABLE `distributions` (
	`id` text PRIMARY KEY NOT NULL,
	`booklet_id` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`prescriber_id` text NOT NULL,
	`public_category` text NOT NULL,
	`commune_code` text NOT NULL,
	`age_band` text,
	`distributed_on` text NOT NULL,
	`distributed_at` text NOT NULL,
	`recorded_by_user_id` text,
	FOREIGN KEY (`booklet_id`) REFERENCES `booklets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prescriber_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`recorded_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `distributions_booklet_unique` ON `distributions` (`booklet_id`);--> statement-breakpoint
CREATE INDEX `distributions_order_idx` ON `distributions` (`order_id`,`distributed_on`);--> statement-breakpoint
CREATE INDEX `distributions_buyer_idx` ON `distributions` (`buyer_id`,`distributed_at`,`id`);--> statement-breakpoint
CREATE INDEX `distributions_prescriber_idx` ON `distributions` (`prescriber_id`,`distributed_at`,`id`);--> statement-breakpoint
CREATE TABLE `prescriber_designations` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`prescriber_id` text NOT NULL,
	`designated_at` text NOT NULL,
	`designated_by_user_id` text,
	`revoked_at` text,
	`revoked_by_user_id` text,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`prescriber_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`designated_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`revoked_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prescriber_designations_live_unique` ON `prescriber_designations` (`order_id`,`prescriber_id`) WHERE revoked_at IS NULL;--> statement-breakpoint
CREATE INDEX `prescriber_designations_prescriber_idx` ON `prescriber_designations` (`prescriber_id`,`revoked_at`);--> statement-breakpoint
-- Booklet movements are the custody record of every booklet: corrections are new movements, never edits.
CREATE TRIGGER booklet_movements_no_update BEFORE UPDATE ON booklet_movements
BEGIN
  SELECT RAISE(ABORT, 'booklet_movements is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movements_no_delete BEFORE DELETE ON booklet_movements
BEGIN
  SELECT RAISE(ABORT, 'booklet_movements is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movement_items_no_update BEFORE UPDATE ON booklet_movement_items
BEGIN
  SELECT RAISE(ABORT, 'booklet_movement_items is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movement_items_no_delete BEFORE DELETE ON booklet_movement_items
BEGIN
  SELECT RAISE(ABORT, 'booklet_movement_items is append-only');
END;
