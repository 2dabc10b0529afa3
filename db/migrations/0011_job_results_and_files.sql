ALTER TABLE `jobs` ADD COLUMN `result` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD COLUMN `file_name` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD COLUMN `file_type` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD COLUMN `downloaded_at` text;--> statement-breakpoint
CREATE TABLE `job_file_chunks` (
	`job_id` text NOT NULL,
	`seq` integer NOT NULL,
	`bytes` blob NOT NULL,
	PRIMARY KEY(`job_id`, `seq`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
