ALTER TABLE `agent_tags` ADD `trust` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `agent_tags_trust` ON `agent_tags` (`tag`,`trust`,`agent_id`,`lease_until`);