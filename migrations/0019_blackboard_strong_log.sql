CREATE TABLE `blackboard_strong_log` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`slot` integer NOT NULL,
	`hlc` text NOT NULL,
	`entry` text NOT NULL,
	`acks` text,
	PRIMARY KEY(`namespace`, `key`)
);
