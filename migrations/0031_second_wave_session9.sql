DROP INDEX `agent_tags_trust`;--> statement-breakpoint
ALTER TABLE `agent_tags` ADD `signed_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Rows stored before the column take their agent's signing time from its index row (hand-written: drizzle-kit does not generate data moves).
UPDATE `agent_tags` SET `signed_at` = COALESCE((SELECT `signed_at` FROM `agent_index` WHERE `agent_index`.`agent_id` = `agent_tags`.`agent_id`), 0);--> statement-breakpoint
CREATE INDEX `agent_tags_rank` ON `agent_tags` (`tag`,`trust`,`agent_id`,`lease_until`,`signed_at`);