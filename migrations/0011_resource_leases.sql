CREATE TABLE `resource_leases` (
	`peer` text NOT NULL,
	`key` text NOT NULL,
	`uri` text NOT NULL,
	`until` integer NOT NULL,
	PRIMARY KEY(`peer`, `key`)
);
--> statement-breakpoint
CREATE INDEX `resource_leases_uri` ON `resource_leases` (`peer`,`uri`);