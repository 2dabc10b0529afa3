-- Issue #14: one credit note per invoiced party, the State's share released back to its
-- programme's envelope, and the buyer's payment arrangement on each order.
--
-- Credit notes: each row is now addressed to one party (the buyer, or the State as the
-- programme's payer) and cites the invoice or call for funds it corrects. Notes issued before
-- this migration carried both shares on one document addressed to the buyer; issued documents
-- are never rewritten, so they stay as they are (party 'buyer', both share columns filled) and
-- only gain the reference of the buyer invoice they correct.
ALTER TABLE `credit_notes` ADD COLUMN `party` text DEFAULT 'buyer' NOT NULL CHECK (`party` IN ('buyer', 'state'));--> statement-breakpoint
ALTER TABLE `credit_notes` ADD COLUMN `corrects_invoice_id` text REFERENCES `invoices`(`id`);--> statement-breakpoint
UPDATE `credit_notes` SET `corrects_invoice_id` = (
  SELECT i.`id` FROM `invoices` i WHERE i.`order_id` = `credit_notes`.`order_id` AND i.`party` = 'buyer'
);--> statement-breakpoint
CREATE INDEX `credit_notes_party_idx` ON `credit_notes` (`party`, `program_id`);--> statement-breakpoint
-- Envelope releases: what a State credit note gives back to the programme. One per credit note
-- (unique), so a note can never release twice. committed_cents now holds what orders still hold
-- of the envelope (commitments less releases); released_cents what came back.
CREATE TABLE `program_releases` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`credit_note_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `cofinancing_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`credit_note_id`) REFERENCES `credit_notes`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "program_releases_amount_positive" CHECK(amount_cents > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `program_releases_credit_note_unique` ON `program_releases` (`credit_note_id`);--> statement-breakpoint
CREATE INDEX `program_releases_program_buyer_idx` ON `program_releases` (`program_id`, `buyer_id`);--> statement-breakpoint
ALTER TABLE `cofinancing_programs` ADD COLUMN `released_cents` integer DEFAULT 0 NOT NULL CHECK (`released_cents` >= 0);--> statement-breakpoint
-- The State's shares already credited back (they are in the journal, on program:<id>:credit_note)
-- leave the envelope now, as a State credit note issued from here on does.
INSERT INTO `program_releases` (`id`, `program_id`, `order_id`, `buyer_id`, `credit_note_id`, `amount_cents`, `created_at`)
SELECT 'release-' || c.`id`, c.`program_id`, c.`order_id`, c.`buyer_id`, c.`id`, c.`state_share_cents`, c.`created_at`
FROM `credit_notes` c
JOIN `program_commitments` pc ON pc.`order_id` = c.`order_id`
WHERE c.`state_share_cents` > 0 AND c.`program_id` IS NOT NULL;--> statement-breakpoint
UPDATE `cofinancing_programs` SET
  `released_cents` = (SELECT COALESCE(SUM(r.`amount_cents`), 0) FROM `program_releases` r WHERE r.`program_id` = `cofinancing_programs`.`id`),
  `committed_cents` = `committed_cents` - (SELECT COALESCE(SUM(r.`amount_cents`), 0) FROM `program_releases` r WHERE r.`program_id` = `cofinancing_programs`.`id`);--> statement-breakpoint
-- The buyer's payment arrangement (convention de mandat or régie d'avances, reference, date), JSON.
ALTER TABLE `orders` ADD COLUMN `payment_arrangement` text;
