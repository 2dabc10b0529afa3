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
