CREATE TABLE `clearing_parts` (
	`round_id` text NOT NULL,
	`node` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`round_id`, `node`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `clearing_rounds` (
	`id` text PRIMARY KEY NOT NULL,
	`unit` text NOT NULL,
	`descriptor` text NOT NULL,
	`coordinator` text NOT NULL,
	`submit_by` integer NOT NULL,
	`commit_by` integer NOT NULL,
	`state` text,
	`coordination` text,
	`proposal` text,
	`reason` text,
	`preimage` text,
	`stored` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `clearing_rounds_unit` ON `clearing_rounds` (`unit`,`state`);--> statement-breakpoint
CREATE INDEX `clearing_rounds_commit` ON `clearing_rounds` (`commit_by`);--> statement-breakpoint
CREATE TABLE `billing_details` (
	`party` text PRIMARY KEY NOT NULL,
	`details` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `conversion_rates` (
	`from_unit` text NOT NULL,
	`to_unit` text NOT NULL,
	`date` text NOT NULL,
	`rate` text NOT NULL,
	`source` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`from_unit`, `to_unit`, `date`)
);
--> statement-breakpoint
CREATE TABLE `invoice_sequence` (
	`id` integer PRIMARY KEY NOT NULL,
	`next` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `invoices` (
	`number` integer PRIMARY KEY NOT NULL,
	`peer` text NOT NULL,
	`period_from` integer NOT NULL,
	`period_to` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`document` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `invoices_peer_period` ON `invoices` (`peer`,`period_from`,`period_to`);--> statement-breakpoint
CREATE INDEX `invoices_issued` ON `invoices` (`issued_at`);--> statement-breakpoint
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
--> statement-breakpoint
ALTER TABLE `ledger_records` ADD `kind` text DEFAULT 'call' NOT NULL;