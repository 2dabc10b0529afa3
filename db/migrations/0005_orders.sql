CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `invoices` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`order_id` text NOT NULL,
	`party` text NOT NULL,
	`buyer_id` text NOT NULL,
	`program_id` text,
	`pass_value_cents` integer NOT NULL,
	`fee_cents` integer NOT NULL,
	`vat_cents` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`paid_cents` integer DEFAULT 0 NOT NULL,
	`issued_on` text NOT NULL,
	`due_on` text NOT NULL,
	`buyer_siret` text,
	`chorus_service_code` text,
	`engagement_number` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "invoices_paid_check" CHECK("invoices"."paid_cents" >= 0 AND "invoices"."paid_cents" <= "invoices"."total_cents"),
	CONSTRAINT "invoices_total_check" CHECK("invoices"."total_cents" = "invoices"."pass_value_cents" + "invoices"."fee_cents" + "invoices"."vat_cents")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_number_unique` ON `invoices` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_order_party_unique` ON `invoices` (`order_id`,`party`);--> statement-breakpoint
CREATE INDEX `invoices_buyer_idx` ON `invoices` (`buyer_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`reference` text NOT NULL,
	`buyer_id` text NOT NULL,
	`status` text NOT NULL,
	`booklet_count` integer NOT NULL,
	`passes_per_booklet` integer NOT NULL,
	`face_value_cents` integer NOT NULL,
	`valid_from` text NOT NULL,
	`valid_until` text NOT NULL,
	`publics` text,
	`territory` text,
	`program_id` text,
	`total_cents` integer NOT NULL,
	`state_share_cents` integer NOT NULL,
	`buyer_share_cents` integer NOT NULL,
	`fee_basis_points` integer NOT NULL,
	`fee_cents` integer NOT NULL,
	`vat_cents` integer NOT NULL,
	`chorus_service_code` text,
	`engagement_number` text,
	`mandate_number` text,
	`funded_at` text,
	`submitted_at` text NOT NULL,
	`submitted_by_user_id` text,
	`approved_at` text,
	`approved_by_user_id` text,
	`cancelled_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submitted_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "orders_split_check" CHECK("orders"."state_share_cents" + "orders"."buyer_share_cents" = "orders"."total_cents" AND "orders"."state_share_cents" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_reference_unique` ON `orders` (`reference`);--> statement-breakpoint
CREATE INDEX `orders_buyer_idx` ON `orders` (`buyer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `orders_status_idx` ON `orders` (`status`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`invoice_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`received_on` text NOT NULL,
	`reference` text NOT NULL,
	`recorded_by_user_id` text,
	`journal_entry_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`invoice_id`) REFERENCES `invoices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payments_amount_check" CHECK("payments"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE INDEX `payments_invoice_idx` ON `payments` (`invoice_id`);