CREATE TABLE `held_backups` (
	`depositor` text NOT NULL,
	`seq` integer NOT NULL,
	`bytes` integer NOT NULL,
	`file` text NOT NULL,
	`signature` text NOT NULL,
	`received` integer NOT NULL,
	PRIMARY KEY(`depositor`, `seq`)
);
