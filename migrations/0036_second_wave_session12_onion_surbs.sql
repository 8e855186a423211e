CREATE TABLE `onion_surbs` (
	`id` text PRIMARY KEY NOT NULL,
	`secrets` text NOT NULL,
	`state` text NOT NULL,
	`answer` text,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `onion_surbs_expires_at` ON `onion_surbs` (`expires_at`);