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