CREATE TABLE `held_backup_parts` (
	`depositor` text NOT NULL,
	`seq` integer NOT NULL,
	`offset` integer NOT NULL,
	`bytes` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`depositor`, `seq`, `offset`)
);
--> statement-breakpoint
ALTER TABLE `held_backups` ADD `complete` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
INSERT INTO `held_backup_parts` (`depositor`, `seq`, `offset`, `bytes`, `data`) SELECT `depositor`, `seq`, 0, `bytes`, `file` FROM `held_backups`;