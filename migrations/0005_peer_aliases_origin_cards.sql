CREATE TABLE `origin_cards` (
	`node_id` text PRIMARY KEY NOT NULL,
	`card` text NOT NULL,
	`learned_from` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `peers` ADD `alias` text;