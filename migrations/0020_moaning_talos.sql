CREATE TABLE `index_records` (
	`key` text NOT NULL,
	`origin` text NOT NULL,
	`seq` integer NOT NULL,
	`expires` integer NOT NULL,
	`record` text NOT NULL,
	`content` text NOT NULL,
	PRIMARY KEY(`key`, `origin`)
);
--> statement-breakpoint
CREATE INDEX `index_records_origin` ON `index_records` (`origin`);--> statement-breakpoint
CREATE INDEX `index_records_expires` ON `index_records` (`expires`);