CREATE TABLE `kem_keys` (
	`epoch` integer PRIMARY KEY NOT NULL,
	`key_id` text NOT NULL,
	`public_key` text NOT NULL,
	`sealed_seed` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `peers` (
	`node_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`card` text NOT NULL,
	`state` text NOT NULL,
	`their_state` text DEFAULT 'unknown' NOT NULL,
	`version` text NOT NULL,
	`features` text NOT NULL,
	`announced_key_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_seen_at` integer
);
--> statement-breakpoint
CREATE TABLE `replay_cache` (
	`sender` text NOT NULL,
	`jti` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`sender`, `jti`)
);
--> statement-breakpoint
CREATE INDEX `replay_cache_expires_at` ON `replay_cache` (`expires_at`);--> statement-breakpoint
CREATE TABLE `signing_rotations` (
	`position` integer PRIMARY KEY NOT NULL,
	`statement` text NOT NULL,
	`next_key` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
