CREATE TABLE `booklets` (
	`id` text PRIMARY KEY NOT NULL,
	`serial` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`position` integer NOT NULL,
	`pass_count` integer NOT NULL,
	`status` text NOT NULL,
	`holder_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`holder_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `booklets_serial_unique` ON `booklets` (`serial`);--> statement-breakpoint
CREATE UNIQUE INDEX `booklets_order_position_unique` ON `booklets` (`order_id`,`position`);--> statement-breakpoint
CREATE INDEX `booklets_holder_idx` ON `booklets` (`holder_id`,`status`);--> statement-breakpoint
CREATE TABLE `passes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`booklet_id` text NOT NULL,
	`order_id` text NOT NULL,
	`position` integer NOT NULL,
	`face_value_cents` integer NOT NULL,
	`status` text NOT NULL,
	`activated_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`booklet_id`) REFERENCES `booklets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `passes_code_unique` ON `passes` (`code`);--> statement-breakpoint
CREATE INDEX `passes_booklet_idx` ON `passes` (`booklet_id`,`position`);--> statement-breakpoint
CREATE INDEX `passes_order_status_idx` ON `passes` (`order_id`,`status`);