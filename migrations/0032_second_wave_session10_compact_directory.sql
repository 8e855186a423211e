CREATE TABLE `directory_entries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` blob NOT NULL,
	`origin` blob NOT NULL,
	`hlc` blob NOT NULL,
	`url` text NOT NULL,
	`mailboxes` text,
	`keys` blob NOT NULL,
	`ed25519` blob NOT NULL,
	`exp` integer NOT NULL,
	`sig` blob NOT NULL,
	`source` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_entries_origin` ON `directory_entries` (`origin`);--> statement-breakpoint
-- Hand-edited: the expression of this index (the id's first 8 bytes) is written here, not as drizzle-kit generated it.
CREATE INDEX `directory_entries_id` ON `directory_entries` (substr(`id`, 1, 8));--> statement-breakpoint
CREATE TABLE `directory_sources` (
	`n` integer PRIMARY KEY NOT NULL,
	`peer` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_sources_peer_unique` ON `directory_sources` (`peer`);