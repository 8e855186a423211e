CREATE TABLE `call_minutes` (
	`minute` integer NOT NULL,
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`calls` integer NOT NULL,
	`errors` integer NOT NULL,
	`count` integer NOT NULL,
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
	PRIMARY KEY(`minute`, `scope`, `key`)
);
--> statement-breakpoint
CREATE TABLE `call_window` (
	`window` integer NOT NULL,
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`calls` integer NOT NULL,
	`errors` integer NOT NULL,
	`count` integer NOT NULL,
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
	PRIMARY KEY(`window`, `scope`, `key`)
);
--> statement-breakpoint
CREATE TABLE `call_window_spans` (
	`window` integer PRIMARY KEY NOT NULL,
	`first` integer NOT NULL,
	`last` integer NOT NULL
);
