CREATE TABLE `route_defaults` (
	`principal` text PRIMARY KEY NOT NULL,
	`route` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
