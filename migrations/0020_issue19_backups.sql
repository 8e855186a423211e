CREATE TABLE `backup_archive` (
	`id` text NOT NULL,
	`part` integer NOT NULL,
	`created` integer NOT NULL,
	`bytes` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`id`, `part`)
);
--> statement-breakpoint
CREATE INDEX `backup_archive_created` ON `backup_archive` (`created`);