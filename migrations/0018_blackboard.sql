CREATE TABLE `blackboard_deltas` (
	`namespace` text NOT NULL,
	`hash` text NOT NULL,
	`key` text NOT NULL,
	`hlc` text NOT NULL,
	`writer` text NOT NULL,
	`delta` text NOT NULL,
	`source` text,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `hash`)
);
--> statement-breakpoint
CREATE INDEX `blackboard_deltas_order` ON `blackboard_deltas` (`namespace`,`hlc`,`hash`);--> statement-breakpoint
CREATE INDEX `blackboard_deltas_key_writer` ON `blackboard_deltas` (`namespace`,`key`,`writer`,`hlc`);--> statement-breakpoint
CREATE TABLE `blackboard_namespaces` (
	`namespace` text PRIMARY KEY NOT NULL,
	`creator` text NOT NULL,
	`hlc` text NOT NULL,
	`replicas` text NOT NULL,
	`consistency` text NOT NULL,
	`descriptor` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `blackboard_values` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`state` text NOT NULL,
	`state_hash` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`)
);
