CREATE TABLE `print_proofs` (
	`order_id` text PRIMARY KEY NOT NULL,
	`accepted_at` text NOT NULL,
	`accepted_by_user_id` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`accepted_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
