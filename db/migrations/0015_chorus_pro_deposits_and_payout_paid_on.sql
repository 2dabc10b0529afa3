CREATE TABLE `chorus_pro_deposits` (
	`document_type` text NOT NULL,
	`document_id` text NOT NULL,
	`deposited_on` text NOT NULL,
	`flow_number` text NOT NULL,
	`recorded_at` text NOT NULL,
	`recorded_by_user_id` text,
	PRIMARY KEY(`document_type`, `document_id`),
	FOREIGN KEY (`recorded_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT `chorus_pro_deposits_document_type` CHECK(document_type IN ('invoice', 'credit_note'))
);
--> statement-breakpoint
CREATE INDEX `chorus_pro_deposits_flow_idx` ON `chorus_pro_deposits` (`flow_number`);--> statement-breakpoint
ALTER TABLE `payouts` ADD COLUMN `paid_on` text;--> statement-breakpoint
-- Payouts paid before this migration: the day of the journal entry that settled them, one by one
-- (a bank statement) or with their whole batch.
UPDATE `payouts` SET `paid_on` = COALESCE(
	(SELECT e.value_date FROM journal_entries e WHERE e.kind = 'batch_paid' AND e.idempotency_key LIKE 'payout_paid:%' AND instr(e.idempotency_key, payouts.id) > 0 LIMIT 1),
	(SELECT b.paid_on FROM reimbursement_batches b WHERE b.id = payouts.batch_id)
) WHERE `status` = 'paid';
