CREATE TABLE `metric_counters` (
	`minute` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`value` integer NOT NULL,
	PRIMARY KEY(`minute`, `name`, `labels`)
);
--> statement-breakpoint
CREATE TABLE `metric_histograms` (
	`minute` integer NOT NULL,
	`name` text NOT NULL,
	`labels` text NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`b0` integer NOT NULL,
	`b1` integer NOT NULL,
	`b2` integer NOT NULL,
	`b3` integer NOT NULL,
	`b4` integer NOT NULL,
	`b5` integer NOT NULL,
	`b6` integer NOT NULL,
	`b7` integer NOT NULL,
	`b8` integer NOT NULL,
	`b9` integer NOT NULL,
	`b10` integer NOT NULL,
	PRIMARY KEY(`minute`, `name`, `labels`)
);
