CREATE TABLE `ledger_flags` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`record_id` text,
	`source` text,
	`reason` text NOT NULL,
	`received` text NOT NULL,
	`at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_flags_record` ON `ledger_flags` (`record_id`);--> statement-breakpoint
CREATE TABLE `ledger_records` (
	`id` text PRIMARY KEY NOT NULL,
	`peer` text NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`hash` text NOT NULL,
	`completed_at` integer NOT NULL,
	`unit` text,
	`amount` integer NOT NULL,
	`record` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_records_hash_unique` ON `ledger_records` (`hash`);--> statement-breakpoint
CREATE INDEX `ledger_records_peer` ON `ledger_records` (`peer`,`completed_at`,`hash`);--> statement-breakpoint
CREATE INDEX `ledger_records_status` ON `ledger_records` (`status`);