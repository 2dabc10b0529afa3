ALTER TABLE `ledger_accounts` ADD `debit_total_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `ledger_accounts` ADD `credit_total_cents` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
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
