CREATE TABLE `trust_cursors` (
	`name` text PRIMARY KEY NOT NULL,
	`value` real NOT NULL
);
--> statement-breakpoint
CREATE TABLE `trust_evidence` (
	`peer` text NOT NULL,
	`kind` text NOT NULL,
	`value` real NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`peer`, `kind`)
);
--> statement-breakpoint
CREATE TABLE `trust_scores` (
	`node` text PRIMARY KEY NOT NULL,
	`score` real NOT NULL,
	`tier` text NOT NULL,
	`penalty` real NOT NULL,
	`computed_at` integer NOT NULL
);
