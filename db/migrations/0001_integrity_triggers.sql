-- The audit log is append-only: corrections are new rows, never edits.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
-- The journal is append-only: a correction is a reversal entry, never an edit.
CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
BEGIN
  SELECT RAISE(ABORT, 'journal_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
BEGIN
  SELECT RAISE(ABORT, 'journal_entries is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines
BEGIN
  SELECT RAISE(ABORT, 'journal_lines is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines
BEGIN
  SELECT RAISE(ABORT, 'journal_lines is append-only');
END;
--> statement-breakpoint
-- Entry hashes name accounts by code and balances depend on the normal side: both are fixed once created.
-- The name (a label) may still be corrected.
CREATE TRIGGER ledger_accounts_fixed_code BEFORE UPDATE OF code, normal_side ON ledger_accounts
BEGIN
  SELECT RAISE(ABORT, 'ledger_accounts code and normal_side are immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_accounts_no_delete BEFORE DELETE ON ledger_accounts
BEGIN
  SELECT RAISE(ABORT, 'ledger_accounts rows are never deleted');
END;
--> statement-breakpoint
-- Last line of defence behind postEntry's own check: totals that leave a non-negative account below zero
-- (in its normal-side sense) are refused by the database itself.
CREATE TRIGGER ledger_accounts_no_negative_balance BEFORE UPDATE OF debit_total_cents, credit_total_cents, allow_negative ON ledger_accounts
WHEN NEW.allow_negative = 0
  AND (CASE NEW.normal_side WHEN 'debit' THEN NEW.debit_total_cents - NEW.credit_total_cents ELSE NEW.credit_total_cents - NEW.debit_total_cents END) < 0
BEGIN
  SELECT RAISE(ABORT, 'ledger_negative_balance');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_accounts_totals_on_insert BEFORE INSERT ON ledger_accounts
WHEN NEW.debit_total_cents <> 0 OR NEW.credit_total_cents <> 0
BEGIN
  SELECT RAISE(ABORT, 'ledger_accounts start with zero totals');
END;
--> statement-breakpoint
-- Booklet movements are the custody record of every booklet: corrections are new movements, never edits.
CREATE TRIGGER booklet_movements_no_update BEFORE UPDATE ON booklet_movements
BEGIN
  SELECT RAISE(ABORT, 'booklet_movements is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movements_no_delete BEFORE DELETE ON booklet_movements
BEGIN
  SELECT RAISE(ABORT, 'booklet_movements is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movement_items_no_update BEFORE UPDATE ON booklet_movement_items
BEGIN
  SELECT RAISE(ABORT, 'booklet_movement_items is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER booklet_movement_items_no_delete BEFORE DELETE ON booklet_movement_items
BEGIN
  SELECT RAISE(ABORT, 'booklet_movement_items is append-only');
END;
--> statement-breakpoint
-- Every status change of the reimbursement chain is kept: the log is append-only.
CREATE TRIGGER reimbursement_status_log_no_update BEFORE UPDATE ON reimbursement_status_log
BEGIN
  SELECT RAISE(ABORT, 'reimbursement_status_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER reimbursement_status_log_no_delete BEFORE DELETE ON reimbursement_status_log
BEGIN
  SELECT RAISE(ABORT, 'reimbursement_status_log is append-only');
END;
