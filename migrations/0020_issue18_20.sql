CREATE TABLE `tick_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`fence` integer NOT NULL,
	`period` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `definition_changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`upstream` text NOT NULL,
	`tool` text NOT NULL,
	`old_definition` text,
	`old_fingerprint` text,
	`new_definition` text NOT NULL,
	`new_fingerprint` text NOT NULL,
	`new_definition_hash` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`detected_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`decided_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `definition_changes_seen` ON `definition_changes` (`upstream`,`tool`,`new_definition_hash`);--> statement-breakpoint
CREATE INDEX `definition_changes_status` ON `definition_changes` (`status`);--> statement-breakpoint
CREATE TABLE `definition_pin_modes` (
	`upstream` text PRIMARY KEY NOT NULL,
	`strict` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `definition_pins` (
	`upstream` text NOT NULL,
	`tool` text NOT NULL,
	`fingerprint` text NOT NULL,
	`definition_hash` text,
	`definition` text,
	`source` text NOT NULL,
	`pinned_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`upstream`, `tool`)
);
--> statement-breakpoint
CREATE TABLE `metric_counters` (
	`minute` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`minute`, `name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `metric_histograms` (
	`minute` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`b0` integer NOT NULL,
	`b1` integer NOT NULL,
	`b2` integer NOT NULL,
	`b3` integer NOT NULL,
	`b4` integer NOT NULL,
	`b5` integer NOT NULL,
	`b6` integer NOT NULL,
	`b7` integer NOT NULL,
	`b8` integer NOT NULL,
	`b9` integer NOT NULL,
	`b10` integer NOT NULL,
	PRIMARY KEY(`minute`, `name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `tool_search_postings` (
	`term` text NOT NULL,
	`weight` real NOT NULL,
	`global_id` text NOT NULL,
	PRIMARY KEY(`term`, `weight`, `global_id`)
);
--> statement-breakpoint
CREATE INDEX `tool_search_postings_tool` ON `tool_search_postings` (`global_id`);--> statement-breakpoint
CREATE TABLE `tool_search_terms` (
	`term` text PRIMARY KEY NOT NULL,
	`tools` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `installed_packages` (
	`origin` text NOT NULL,
	`name` text NOT NULL,
	`version` text NOT NULL,
	`upstream` text NOT NULL,
	`sha256` text NOT NULL,
	`entry_id` text NOT NULL,
	`entry` text NOT NULL,
	`active` integer DEFAULT false NOT NULL,
	`activated_at` integer,
	`range` text,
	`installed_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`origin`, `name`, `version`)
);
--> statement-breakpoint
CREATE INDEX `installed_packages_upstream` ON `installed_packages` (`upstream`);--> statement-breakpoint
CREATE TABLE `own_package_index` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`signed` text NOT NULL,
	`content_hash` text NOT NULL,
	`issued` integer NOT NULL,
	`expires` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `package_freshness` (
	`origin` text NOT NULL,
	`name` text NOT NULL,
	`highest` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`origin`, `name`)
);
--> statement-breakpoint
CREATE TABLE `index_records` (
	`key` text NOT NULL,
	`origin` text NOT NULL,
	`seq` integer NOT NULL,
	`expires` integer NOT NULL,
	`record` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`key`, `origin`)
);
--> statement-breakpoint
CREATE INDEX `index_records_origin` ON `index_records` (`origin`);--> statement-breakpoint
CREATE INDEX `index_records_expires` ON `index_records` (`expires`);--> statement-breakpoint
CREATE TABLE `backup_archive` (
	`id` text NOT NULL,
	`part` integer NOT NULL,
	`created` integer NOT NULL,
	`bytes` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`id`, `part`)
);
--> statement-breakpoint
CREATE INDEX `backup_archive_created` ON `backup_archive` (`created`);--> statement-breakpoint
CREATE TABLE `mailbox_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`taken_at` integer,
	`answer` text
);
--> statement-breakpoint
CREATE INDEX `mailbox_messages_node` ON `mailbox_messages` (`node_id`,`taken_at`);--> statement-breakpoint
ALTER TABLE `upstreams` ADD `cwd` text;--> statement-breakpoint
ALTER TABLE `upstreams` ADD `sandboxed` integer DEFAULT false NOT NULL;