CREATE TABLE `metric_counter_totals` (
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `metric_histogram_totals` (
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
	PRIMARY KEY(`name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `held_backups` (
	`depositor` text NOT NULL,
	`seq` integer NOT NULL,
	`bytes` integer NOT NULL,
	`file` text NOT NULL,
	`signature` text NOT NULL,
	`received` integer NOT NULL,
	PRIMARY KEY(`depositor`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `alert_marks` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alert_rules` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`params` text NOT NULL,
	`severity` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rule_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`severity` text NOT NULL,
	`state` text NOT NULL,
	`summary` text NOT NULL,
	`details` text NOT NULL,
	`open_key` text,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	`acknowledged_at` integer,
	`delivered_state` text,
	`delivery_attempts` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_open_key_unique` ON `alerts` (`open_key`);--> statement-breakpoint
CREATE INDEX `alerts_state` ON `alerts` (`state`,`opened_at`);