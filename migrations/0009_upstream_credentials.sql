CREATE TABLE `upstream_credentials` (
	`upstream` text NOT NULL,
	`principal` text NOT NULL,
	`kind` text NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`upstream`, `principal`),
	FOREIGN KEY (`upstream`) REFERENCES `upstreams`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `upstreams` ADD `per_principal` text;