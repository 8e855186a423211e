CREATE TABLE `store_generation` (
	`id` integer PRIMARY KEY NOT NULL,
	`generation` text NOT NULL
);
