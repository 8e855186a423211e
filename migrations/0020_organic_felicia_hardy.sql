CREATE TABLE `installed_packages` (
	`origin` text NOT NULL,
	`name` text NOT NULL,
	`version` text NOT NULL,
	`upstream` text NOT NULL,
	`sha256` text NOT NULL,
	`entry_id` text NOT NULL,
	`entry` text NOT NULL,
	`active` integer DEFAULT false NOT NULL,
	`activated_at` integer,
	`range` text,
	`installed_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`origin`, `name`, `version`)
);
--> statement-breakpoint
CREATE INDEX `installed_packages_upstream` ON `installed_packages` (`upstream`);--> statement-breakpoint
CREATE TABLE `own_package_index` (
	`id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`signed` text NOT NULL,
	`content_hash` text NOT NULL,
	`issued` integer NOT NULL,
	`expires` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `package_freshness` (
	`origin` text NOT NULL,
	`name` text NOT NULL,
	`highest` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`origin`, `name`)
);
