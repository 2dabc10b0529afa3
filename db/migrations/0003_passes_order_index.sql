DROP INDEX `passes_order_status_idx`;--> statement-breakpoint
CREATE INDEX `passes_order_idx` ON `passes` (`order_id`);