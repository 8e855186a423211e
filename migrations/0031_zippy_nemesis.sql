CREATE TABLE `backup_sort` (
	`backup` text NOT NULL,
	`table_name` text NOT NULL,
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	`started` integer NOT NULL,
	PRIMARY KEY(`backup`, `table_name`, `key`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `backup_sort_started` ON `backup_sort` (`started`);