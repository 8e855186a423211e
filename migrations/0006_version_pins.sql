CREATE TABLE `version_pins` (
	`origin` text NOT NULL,
	`tool` text NOT NULL,
	`version` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`origin`, `tool`)
);
