CREATE TABLE `subscriptions` (
	`grant_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`tool` text NOT NULL,
	`from` integer NOT NULL,
	`until` integer NOT NULL,
	`grant` text NOT NULL,
	`record_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `subscriptions_tool` ON `subscriptions` (`provider`,`tool`,`until`);