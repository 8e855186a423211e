CREATE TABLE `provider_groups` (
	`name` text NOT NULL,
	`node_id` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`name`, `node_id`)
);
--> statement-breakpoint
CREATE INDEX `provider_groups_node` ON `provider_groups` (`node_id`);