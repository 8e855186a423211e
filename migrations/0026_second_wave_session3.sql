CREATE TABLE `held_package_indexes` (
	`origin` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`signed` text NOT NULL,
	`expires` integer NOT NULL,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
