CREATE TABLE `budget_debits` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`receiver` text DEFAULT '' NOT NULL,
	`total` integer NOT NULL,
	`principal` text DEFAULT '' NOT NULL,
	`record` text,
	`at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `budget_debits_kind` ON `budget_debits` (`namespace`,`key`,`kind`,`receiver`);--> statement-breakpoint
CREATE TABLE `budget_deltas` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`writer` text NOT NULL,
	`kind` text NOT NULL,
	`receiver` text DEFAULT '' NOT NULL,
	`total` integer NOT NULL,
	`delta` text NOT NULL,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`, `writer`, `kind`, `receiver`)
);
