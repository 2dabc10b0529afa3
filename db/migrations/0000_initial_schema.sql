CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_user_idx` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor_user_id` text,
	`actor_organisation_id` text,
	`action` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text,
	`data` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_subject_idx` ON `audit_log` (`subject_type`,`subject_id`);--> statement-breakpoint
CREATE INDEX `audit_actor_org_idx` ON `audit_log` (`actor_organisation_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text NOT NULL,
	`actor_user_id` text NOT NULL,
	`route` text NOT NULL,
	`request_hash` text NOT NULL,
	`status_code` integer NOT NULL,
	`response_body` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `idempotency_unique` ON `idempotency_keys` (`actor_user_id`,`route`,`key`);--> statement-breakpoint
CREATE TABLE `invitations` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`used_at` text,
	`created_by_user_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invitations_token_unique` ON `invitations` (`token_hash`);--> statement-breakpoint
CREATE INDEX `invitations_user_idx` ON `invitations` (`user_id`);--> statement-breakpoint
CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`siret` text,
	`buyer_type` text,
	`commune_code` text,
	`address` text,
	`status` text DEFAULT 'active' NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `organisations_kind_idx` ON `organisations` (`kind`);--> statement-breakpoint
CREATE INDEX `organisations_siret_idx` ON `organisations` (`siret`);--> statement-breakpoint
CREATE TABLE `sequences` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`organisation_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (lower("email"));--> statement-breakpoint
CREATE INDEX `users_org_idx` ON `users` (`organisation_id`);--> statement-breakpoint
CREATE TABLE `cofinancing_programs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`rate_basis_points` integer NOT NULL,
	`eligible_buyer_types` text NOT NULL,
	`envelope_cents` integer NOT NULL,
	`committed_cents` integer DEFAULT 0 NOT NULL,
	`min_order_cents` integer,
	`per_buyer_cap_cents` integer,
	`starts_on` text NOT NULL,
	`ends_on` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` text NOT NULL,
	CONSTRAINT "cofinancing_programs_committed_within_envelope" CHECK(committed_cents >= 0 AND committed_cents <= envelope_cents),
	CONSTRAINT "cofinancing_programs_rate_range" CHECK(rate_basis_points BETWEEN 1 AND 10000),
	CONSTRAINT "cofinancing_programs_dates_ordered" CHECK(starts_on <= ends_on)
);
--> statement-breakpoint
CREATE TABLE `program_commitments` (
	`id` text PRIMARY KEY NOT NULL,
	`program_id` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`program_id`) REFERENCES `cofinancing_programs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "program_commitments_amount_positive" CHECK(amount_cents > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `program_commitments_order_unique` ON `program_commitments` (`order_id`);--> statement-breakpoint
CREATE INDEX `program_commitments_program_buyer_idx` ON `program_commitments` (`program_id`,`buyer_id`);--> statement-breakpoint
CREATE TABLE `public_categories` (
	`code` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`priority` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`sort_order` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `journal_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`ref_type` text NOT NULL,
	`ref_id` text NOT NULL,
	`label` text NOT NULL,
	`value_date` text NOT NULL,
	`posted_at` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`reverses_entry_id` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	FOREIGN KEY (`reverses_entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_seq_unique` ON `journal_entries` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_idempotency_unique` ON `journal_entries` (`idempotency_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `journal_entries_reverses_unique` ON `journal_entries` (`reverses_entry_id`);--> statement-breakpoint
CREATE INDEX `journal_entries_ref_idx` ON `journal_entries` (`ref_type`,`ref_id`);--> statement-breakpoint
CREATE INDEX `journal_entries_value_date_idx` ON `journal_entries` (`value_date`);--> statement-breakpoint
CREATE TABLE `journal_lines` (
	`id` integer PRIMARY KEY NOT NULL,
	`entry_id` text NOT NULL,
	`account_id` text NOT NULL,
	`debit_cents` integer DEFAULT 0 NOT NULL,
	`credit_cents` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`entry_id`) REFERENCES `journal_entries`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `ledger_accounts`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "journal_lines_one_side" CHECK((debit_cents > 0 AND credit_cents = 0) OR (debit_cents = 0 AND credit_cents > 0))
);
--> statement-breakpoint
CREATE INDEX `journal_lines_account_idx` ON `journal_lines` (`account_id`,`entry_id`,`debit_cents`,`credit_cents`);--> statement-breakpoint
CREATE INDEX `journal_lines_entry_idx` ON `journal_lines` (`entry_id`);--> statement-breakpoint
CREATE TABLE `ledger_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`normal_side` text NOT NULL,
	`allow_negative` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`debit_total_cents` integer DEFAULT 0 NOT NULL,
	`credit_total_cents` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "ledger_accounts_normal_side" CHECK(normal_side IN ('debit', 'credit'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_accounts_code_unique` ON `ledger_accounts` (`code`);--> statement-breakpoint
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
CREATE INDEX `payments_invoice_idx` ON `payments` (`invoice_id`);--> statement-breakpoint
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
CREATE INDEX `passes_order_status_idx` ON `passes` (`order_id`,`status`);--> statement-breakpoint
CREATE TABLE `print_proofs` (
	`order_id` text PRIMARY KEY NOT NULL,
	`accepted_at` text NOT NULL,
	`accepted_by_user_id` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`accepted_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
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
CREATE TABLE `place_bank_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`place_id` text NOT NULL,
	`holder` text NOT NULL,
	`iban` text NOT NULL,
	`bic` text NOT NULL,
	`status` text NOT NULL,
	`submitted_at` text NOT NULL,
	`submitted_by_user_id` text,
	`decided_at` text,
	`decided_by_user_id` text,
	`decision_reason` text,
	`replaced_at` text,
	FOREIGN KEY (`place_id`) REFERENCES `places`(`organisation_id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submitted_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `place_bank_accounts_place_idx` ON `place_bank_accounts` (`place_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `place_bank_accounts_one_pending` ON `place_bank_accounts` (`place_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX `place_bank_accounts_one_validated` ON `place_bank_accounts` (`place_id`) WHERE status = 'validated';--> statement-breakpoint
CREATE TABLE `place_sites` (
	`id` text PRIMARY KEY NOT NULL,
	`place_id` text NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`postal_code` text,
	`commune_code` text NOT NULL,
	`opening_hours` text,
	`services` text NOT NULL,
	`free` integer DEFAULT false NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`external_id` text,
	`latitude` real,
	`longitude` real,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`place_id`) REFERENCES `places`(`organisation_id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `place_sites_place_idx` ON `place_sites` (`place_id`);--> statement-breakpoint
CREATE INDEX `place_sites_commune_idx` ON `place_sites` (`commune_code`);--> statement-breakpoint
CREATE UNIQUE INDEX `place_sites_external_unique` ON `place_sites` (`external_id`);--> statement-breakpoint
CREATE TABLE `places` (
	`organisation_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`legal_representative` text,
	`contact_email` text,
	`source` text NOT NULL,
	`pivot` text,
	`accepts_pass_numerique` integer DEFAULT false NOT NULL,
	`applied_at` text,
	`imported_at` text,
	`labelled_at` text,
	`decided_at` text,
	`decided_by_user_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`decided_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `places_status_idx` ON `places` (`status`);--> statement-breakpoint
CREATE TABLE `redemptions` (
	`id` text PRIMARY KEY NOT NULL,
	`pass_id` integer NOT NULL,
	`place_id` text NOT NULL,
	`site_id` text NOT NULL,
	`service` text,
	`amount_cents` integer NOT NULL,
	`redeemed_at` text NOT NULL,
	`period` text NOT NULL,
	`redeemed_by_user_id` text,
	`status` text NOT NULL,
	`journal_entry_id` text NOT NULL,
	`batched_at` text,
	`cancelled_at` text,
	`cancelled_by_user_id` text,
	`cancel_journal_entry_id` text,
	FOREIGN KEY (`pass_id`) REFERENCES `passes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`place_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`site_id`) REFERENCES `place_sites`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`redeemed_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`cancelled_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "redemptions_amount_positive" CHECK("redemptions"."amount_cents" > 0),
	CONSTRAINT "redemptions_cancel_consistent" CHECK(("redemptions"."status" = 'cancelled') = ("redemptions"."cancelled_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `redemptions_one_live_per_pass` ON `redemptions` (`pass_id`) WHERE status = 'live';--> statement-breakpoint
CREATE INDEX `redemptions_pass_idx` ON `redemptions` (`pass_id`);--> statement-breakpoint
CREATE INDEX `redemptions_place_period_idx` ON `redemptions` (`place_id`,`period`,`redeemed_at`);--> statement-breakpoint
CREATE INDEX `redemptions_period_idx` ON `redemptions` (`period`,`status`);--> statement-breakpoint
CREATE TABLE `credit_note_passes` (
	`credit_note_id` text NOT NULL,
	`pass_id` integer NOT NULL,
	FOREIGN KEY (`credit_note_id`) REFERENCES `credit_notes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pass_id`) REFERENCES `passes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_note_passes_pass_unique` ON `credit_note_passes` (`pass_id`);--> statement-breakpoint
CREATE INDEX `credit_note_passes_note_idx` ON `credit_note_passes` (`credit_note_id`);--> statement-breakpoint
CREATE TABLE `credit_notes` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`order_id` text NOT NULL,
	`buyer_id` text NOT NULL,
	`program_id` text,
	`pass_count` integer NOT NULL,
	`total_cents` integer NOT NULL,
	`buyer_share_cents` integer NOT NULL,
	`state_share_cents` integer NOT NULL,
	`issued_on` text NOT NULL,
	`journal_entry_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`buyer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_notes_number_unique` ON `credit_notes` (`number`);--> statement-breakpoint
CREATE INDEX `credit_notes_order_idx` ON `credit_notes` (`order_id`);--> statement-breakpoint
CREATE INDEX `credit_notes_buyer_idx` ON `credit_notes` (`buyer_id`);--> statement-breakpoint
CREATE TABLE `payout_lines` (
	`payout_id` text NOT NULL,
	`line_id` integer NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`payout_id`) REFERENCES `payouts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`line_id`) REFERENCES `reimbursement_lines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payout_lines_payout_idx` ON `payout_lines` (`payout_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payout_lines_one_active` ON `payout_lines` (`line_id`) WHERE active = 1;--> statement-breakpoint
CREATE TABLE `payouts` (
	`id` text PRIMARY KEY NOT NULL,
	`batch_id` text NOT NULL,
	`place_id` text NOT NULL,
	`reference` text NOT NULL,
	`bank_account_id` text NOT NULL,
	`holder` text NOT NULL,
	`iban` text NOT NULL,
	`bic` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`line_count` integer NOT NULL,
	`status` text NOT NULL,
	`export_entry_id` text,
	`rejected_at` text,
	`rejection_reason` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`batch_id`) REFERENCES `reimbursement_batches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`place_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "payouts_amount_positive" CHECK("payouts"."amount_cents" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_reference_unique` ON `payouts` (`reference`);--> statement-breakpoint
CREATE UNIQUE INDEX `payouts_batch_place_unique` ON `payouts` (`batch_id`,`place_id`);--> statement-breakpoint
CREATE INDEX `payouts_place_idx` ON `payouts` (`place_id`);--> statement-breakpoint
CREATE TABLE `reimbursement_batches` (
	`id` text PRIMARY KEY NOT NULL,
	`period` text NOT NULL,
	`status` text NOT NULL,
	`total_cents` integer NOT NULL,
	`payout_count` integer NOT NULL,
	`line_count` integer NOT NULL,
	`message_id` text,
	`requested_execution_date` text,
	`created_at` text NOT NULL,
	`created_by_user_id` text,
	`approved_at` text,
	`approved_by_user_id` text,
	`paid_on` text,
	FOREIGN KEY (`created_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`approved_by_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reimbursement_batches_period_unique` ON `reimbursement_batches` (`period`);--> statement-breakpoint
CREATE TABLE `reimbursement_lines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`redemption_id` text NOT NULL,
	`place_id` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`period` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`redemption_id`) REFERENCES `redemptions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reimbursement_lines_redemption_unique` ON `reimbursement_lines` (`redemption_id`);--> statement-breakpoint
CREATE INDEX `reimbursement_lines_place_idx` ON `reimbursement_lines` (`place_id`,`period`);--> statement-breakpoint
CREATE TABLE `reimbursement_status_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor_user_id` text,
	`reason` text,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reimbursement_status_log_subject_idx` ON `reimbursement_status_log` (`subject_type`,`subject_id`);