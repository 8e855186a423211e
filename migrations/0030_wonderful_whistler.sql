CREATE TABLE `restore_staging` (
	`restore` text NOT NULL,
	`table_name` text NOT NULL,
	`seq` integer NOT NULL,
	`row` text NOT NULL,
	`started` integer NOT NULL,
	PRIMARY KEY(`restore`, `table_name`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `restore_staging_started` ON `restore_staging` (`started`);