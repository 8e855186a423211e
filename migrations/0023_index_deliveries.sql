CREATE TABLE `index_deliveries` (
	`key` text NOT NULL,
	`owner` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`key`, `owner`)
);
