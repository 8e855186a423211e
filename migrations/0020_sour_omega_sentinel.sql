CREATE TABLE `tick_leases` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`fence` integer NOT NULL,
	`period` integer NOT NULL,
	`expires_at` integer NOT NULL
);
