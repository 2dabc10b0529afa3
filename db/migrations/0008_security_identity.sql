-- Security and identity (issue 17): token expiry, ProConnect identifiers, second factor, security events.
ALTER TABLE `api_tokens` ADD COLUMN `expires_at` text;--> statement-breakpoint
ALTER TABLE `users` ADD COLUMN `proconnect_sub` text;--> statement-breakpoint
ALTER TABLE `users` ADD COLUMN `proconnect_siret` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_proconnect_sub_unique` ON `users` (`proconnect_sub`) WHERE proconnect_sub IS NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD COLUMN `auth_method` text DEFAULT 'password' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD COLUMN `second_factor_at` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD COLUMN `id_token_hint` text;--> statement-breakpoint
CREATE TABLE `user_totp` (
	`user_id` text PRIMARY KEY NOT NULL REFERENCES `users`(`id`),
	`secret` text NOT NULL,
	`confirmed_at` text,
	`last_used_step` integer,
	`created_at` text NOT NULL
);--> statement-breakpoint
CREATE TABLE `mfa_recovery_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL REFERENCES `users`(`id`),
	`code_hash` text NOT NULL,
	`used_at` text,
	`created_at` text NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX `mfa_recovery_codes_hash_unique` ON `mfa_recovery_codes` (`user_id`, `code_hash`);--> statement-breakpoint
CREATE TABLE `mfa_remembered_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL REFERENCES `users`(`id`),
	`expires_at` text NOT NULL,
	`created_at` text NOT NULL
);--> statement-breakpoint
CREATE INDEX `mfa_remembered_devices_user_idx` ON `mfa_remembered_devices` (`user_id`);--> statement-breakpoint
CREATE TABLE `security_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`kind` text NOT NULL,
	`user_id` text,
	`organisation_id` text,
	`actor_user_id` text,
	`ip` text,
	`data` text
);--> statement-breakpoint
CREATE INDEX `security_events_at_idx` ON `security_events` (`at`);--> statement-breakpoint
CREATE INDEX `security_events_user_idx` ON `security_events` (`user_id`);--> statement-breakpoint
CREATE TRIGGER security_events_no_update BEFORE UPDATE ON security_events
BEGIN
  SELECT RAISE(ABORT, 'security_events is append-only');
END;--> statement-breakpoint
CREATE TRIGGER security_events_no_delete BEFORE DELETE ON security_events
BEGIN
  SELECT RAISE(ABORT, 'security_events is append-only');
END;
