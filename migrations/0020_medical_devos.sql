CREATE TABLE `mailbox_messages` (
	`id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`taken_at` integer,
	`answer` text
);
--> statement-breakpoint
CREATE INDEX `mailbox_messages_node` ON `mailbox_messages` (`node_id`,`taken_at`);