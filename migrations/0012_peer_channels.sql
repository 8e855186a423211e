CREATE TABLE `peer_channels` (
	`cid` text PRIMARY KEY NOT NULL,
	`peer` text NOT NULL,
	`role` text NOT NULL,
	`epoch` integer NOT NULL,
	`request_secret` text NOT NULL,
	`answer_secret` text NOT NULL,
	`starts_at` integer NOT NULL,
	`epoch_seconds` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`own_kid` text NOT NULL,
	`peer_kid` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `peer_channels_peer` ON `peer_channels` (`peer`,`role`);--> statement-breakpoint
CREATE INDEX `peer_channels_expires_at` ON `peer_channels` (`expires_at`);