CREATE TABLE `onion_replay_tags` (
	`tag` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `onion_replay_tags_expires_at` ON `onion_replay_tags` (`expires_at`);