CREATE TABLE `ledger_thresholds` (
	`peer` text NOT NULL,
	`unit` text NOT NULL,
	`amount` integer NOT NULL,
	`armed` integer DEFAULT 1 NOT NULL,
	`last_action` text,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`peer`, `unit`)
);
--> statement-breakpoint
CREATE TABLE `settlement_methods` (
	`method` text PRIMARY KEY NOT NULL,
	`secret` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
