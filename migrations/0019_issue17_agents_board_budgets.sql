CREATE TABLE `budget_debits` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`amount` integer NOT NULL,
	`receiver` text DEFAULT '' NOT NULL,
	`total` integer NOT NULL,
	`principal` text DEFAULT '' NOT NULL,
	`record` text,
	`at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `budget_debits_kind` ON `budget_debits` (`namespace`,`key`,`kind`,`receiver`);--> statement-breakpoint
CREATE TABLE `budget_deltas` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`writer` text NOT NULL,
	`kind` text NOT NULL,
	`receiver` text DEFAULT '' NOT NULL,
	`total` integer NOT NULL,
	`delta` text NOT NULL,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`, `writer`, `kind`, `receiver`)
);
--> statement-breakpoint
CREATE TABLE `agent_index` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`origin` text NOT NULL,
	`name` text NOT NULL,
	`entry_id` text NOT NULL,
	`hlc` text NOT NULL,
	`trust` integer NOT NULL,
	`signed_at` integer NOT NULL,
	`lease_until` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `agent_index_lease` ON `agent_index` (`lease_until`);--> statement-breakpoint
CREATE TABLE `agent_tags` (
	`tag` text NOT NULL,
	`agent_id` text NOT NULL,
	`lease_until` integer NOT NULL,
	PRIMARY KEY(`tag`, `agent_id`)
);
--> statement-breakpoint
CREATE INDEX `agent_tags_agent` ON `agent_tags` (`agent_id`);--> statement-breakpoint
CREATE TABLE `declared_intents` (
	`key` text PRIMARY KEY NOT NULL,
	`entry_id` text NOT NULL,
	`principal` text NOT NULL,
	`expires` integer NOT NULL,
	`withdrawn` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `declared_intents_principal` ON `declared_intents` (`principal`,`expires`);--> statement-breakpoint
CREATE INDEX `declared_intents_entry` ON `declared_intents` (`entry_id`);--> statement-breakpoint
CREATE TABLE `registered_agents` (
	`agent_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`principal` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `blackboard_deltas` (
	`namespace` text NOT NULL,
	`hash` text NOT NULL,
	`key` text NOT NULL,
	`hlc` text NOT NULL,
	`writer` text NOT NULL,
	`delta` text NOT NULL,
	`source` text,
	`received_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `hash`)
);
--> statement-breakpoint
CREATE INDEX `blackboard_deltas_order` ON `blackboard_deltas` (`namespace`,`hlc`,`hash`);--> statement-breakpoint
CREATE INDEX `blackboard_deltas_key_writer` ON `blackboard_deltas` (`namespace`,`key`,`writer`,`hlc`);--> statement-breakpoint
CREATE TABLE `blackboard_namespaces` (
	`namespace` text PRIMARY KEY NOT NULL,
	`creator` text NOT NULL,
	`hlc` text NOT NULL,
	`replicas` text NOT NULL,
	`consistency` text NOT NULL,
	`descriptor` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `blackboard_values` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`state` text NOT NULL,
	`state_hash` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`namespace`, `key`)
);
--> statement-breakpoint
CREATE TABLE `blackboard_strong_log` (
	`namespace` text NOT NULL,
	`key` text NOT NULL,
	`slot` integer NOT NULL,
	`hlc` text NOT NULL,
	`entry` text NOT NULL,
	`acks` text,
	PRIMARY KEY(`namespace`, `key`)
);
