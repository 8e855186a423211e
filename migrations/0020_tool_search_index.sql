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
