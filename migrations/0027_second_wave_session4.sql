CREATE TABLE `reconcile_schedules` (
	`peer` text PRIMARY KEY NOT NULL,
	`schedule` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `schedule_runs` (
	`job` text NOT NULL,
	`subject` text NOT NULL,
	`last_run_at` integer,
	`last_attempt_at` integer NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	PRIMARY KEY(`job`, `subject`)
);
