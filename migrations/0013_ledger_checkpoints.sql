CREATE TABLE `ledger_checkpoint_leaves` (
	`record_id` text NOT NULL,
	`signer` text NOT NULL,
	`peer` text NOT NULL,
	`seq` integer NOT NULL,
	`leaf` integer NOT NULL,
	PRIMARY KEY(`record_id`, `signer`)
);
--> statement-breakpoint
CREATE INDEX `ledger_checkpoint_leaves_checkpoint` ON `ledger_checkpoint_leaves` (`signer`,`peer`,`seq`);--> statement-breakpoint
CREATE TABLE `ledger_checkpoints` (
	`signer` text NOT NULL,
	`peer` text NOT NULL,
	`seq` integer NOT NULL,
	`hash` text NOT NULL,
	`checkpoint` text NOT NULL,
	`ids` text NOT NULL,
	`status` text NOT NULL,
	`delivered` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`signer`, `peer`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `ledger_checkpoints_status` ON `ledger_checkpoints` (`status`,`delivered`);