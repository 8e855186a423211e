CREATE TABLE `tool_search_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` text NOT NULL
);
