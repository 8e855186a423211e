CREATE TABLE `provider_groups` (
	`name` text NOT NULL,
	`node_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`name`, `node_id`)
);
--> statement-breakpoint
CREATE INDEX `provider_groups_node` ON `provider_groups` (`node_id`);--> statement-breakpoint
CREATE TABLE `federated_settings` (
	`kind` text NOT NULL,
	`origin` text NOT NULL,
	`ref` text NOT NULL,
	`short_name` text,
	`hidden` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`kind`, `origin`, `ref`)
);
