CREATE TABLE `gossip_cursors` (
	`peer` text PRIMARY KEY NOT NULL,
	`acked_seq` integer,
	`acked_at` integer,
	`their_epoch` text,
	`their_seq` integer,
	`their_at` integer
);
--> statement-breakpoint
CREATE TABLE `registry_entries` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`origin` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`visibility` text NOT NULL,
	`hlc` text NOT NULL,
	`tombstone` integer NOT NULL,
	`entry` text NOT NULL,
	`size` integer NOT NULL,
	`source` text,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registry_entries_id_unique` ON `registry_entries` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `registry_entries_slot` ON `registry_entries` (`origin`,`kind`,`key`,`visibility`);--> statement-breakpoint
CREATE INDEX `registry_entries_order` ON `registry_entries` (`hlc`,`id`);--> statement-breakpoint
CREATE INDEX `registry_entries_tombstones` ON `registry_entries` (`hlc`) WHERE "registry_entries"."tombstone" = 1;--> statement-breakpoint
CREATE TABLE `registry_log` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch` text NOT NULL,
	`head` integer NOT NULL
);
