CREATE TABLE `usage_snapshots` (
	`scope` text NOT NULL,
	`period` text NOT NULL,
	`published_at` text NOT NULL,
	`snapshot` text NOT NULL,
	PRIMARY KEY(`scope`, `period`)
);
--> statement-breakpoint
CREATE TRIGGER `usage_snapshots_no_update` BEFORE UPDATE ON `usage_snapshots` BEGIN SELECT RAISE(ABORT, 'usage_snapshots is append-only'); END;--> statement-breakpoint
CREATE TRIGGER `usage_snapshots_no_delete` BEFORE DELETE ON `usage_snapshots` BEGIN SELECT RAISE(ABORT, 'usage_snapshots is append-only'); END;
