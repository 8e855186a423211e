CREATE TABLE `budget_charges` (
	`principal` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`unit` text NOT NULL,
	`task` text NOT NULL,
	`at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `budget_debits_record` ON `budget_debits` (`namespace`,`key`,`record`);--> statement-breakpoint
CREATE INDEX `blackboard_deltas_arrival` ON `blackboard_deltas` (`namespace`);