CREATE TABLE `published_statistics` (
	`series` text NOT NULL,
	`period` text NOT NULL,
	`published_at` text NOT NULL,
	`publication` text NOT NULL,
	PRIMARY KEY(`series`, `period`),
	CONSTRAINT "published_statistics_series" CHECK(series IN ('distributed', 'used'))
);
--> statement-breakpoint
CREATE TRIGGER `published_statistics_no_update` BEFORE UPDATE ON `published_statistics` BEGIN SELECT RAISE(ABORT, 'published_statistics is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `published_statistics_no_delete` BEFORE DELETE ON `published_statistics` BEGIN SELECT RAISE(ABORT, 'published_statistics is append-only'); END;
