CREATE TABLE `invocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`caller` text NOT NULL,
	`tool_id` text,
	`tool_name` text NOT NULL,
	`upstream` text,
	`duration_ms` integer NOT NULL,
	`outcome` text NOT NULL,
	`error` text,
	`arguments` text
);
--> statement-breakpoint
CREATE INDEX `invocations_at` ON `invocations` (`at`);--> statement-breakpoint
CREATE TABLE `prompts` (
	`upstream` text NOT NULL,
	`name` text NOT NULL,
	`short_name` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`upstream`, `name`),
	FOREIGN KEY (`upstream`) REFERENCES `upstreams`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prompts_short_name_unique` ON `prompts` (`short_name`);--> statement-breakpoint
CREATE TABLE `resource_templates` (
	`upstream` text NOT NULL,
	`uri_template` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`upstream`, `uri_template`),
	FOREIGN KEY (`upstream`) REFERENCES `upstreams`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `resources` (
	`upstream` text NOT NULL,
	`uri` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`upstream`, `uri`),
	FOREIGN KEY (`upstream`) REFERENCES `upstreams`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `resources_uri` ON `resources` (`uri`);--> statement-breakpoint
CREATE TABLE `tool_settings` (
	`global_id` text PRIMARY KEY NOT NULL,
	`short_name` text NOT NULL,
	`renamed` integer DEFAULT false NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`pinned` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tool_settings_short_name_unique` ON `tool_settings` (`short_name`);--> statement-breakpoint
CREATE TABLE `tools` (
	`global_id` text PRIMARY KEY NOT NULL,
	`upstream` text NOT NULL,
	`name` text NOT NULL,
	`title` text,
	`description` text,
	`input_schema` text NOT NULL,
	`output_schema` text,
	`annotations` text,
	`tags` text NOT NULL,
	`fingerprint` text NOT NULL,
	FOREIGN KEY (`upstream`) REFERENCES `upstreams`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tools_upstream` ON `tools` (`upstream`);--> statement-breakpoint
CREATE TABLE `upstreams` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`url` text,
	`headers` text,
	`command` text,
	`args` text,
	`env` text,
	`prefix` text,
	`status` text DEFAULT 'new' NOT NULL,
	`last_error` text,
	`refreshed_at` integer,
	`server_name` text,
	`server_version` text,
	`catalog_hash` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
