CREATE TABLE `restore_staging` (
	`restore` text NOT NULL,
	`table_name` text NOT NULL,
	`seq` integer NOT NULL,
	`row` text NOT NULL,
	`started` integer NOT NULL,
	PRIMARY KEY(`restore`, `table_name`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `restore_staging_started` ON `restore_staging` (`started`);--> statement-breakpoint
ALTER TABLE `settlement_methods` ADD `secret_last4` text;--> statement-breakpoint
ALTER TABLE `agent_tags` ADD `trust` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `agent_tags_trust` ON `agent_tags` (`tag`,`trust`,`agent_id`,`lease_until`);--> statement-breakpoint
-- Rows stored before the trust column take their agent's trust from the index row written with them (hand-written: drizzle-kit does not generate data moves).
UPDATE `agent_tags` SET `trust` = COALESCE((SELECT `trust` FROM `agent_index` WHERE `agent_index`.`agent_id` = `agent_tags`.`agent_id`), 0);
