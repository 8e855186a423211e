CREATE TABLE `federated_settings` (
	`kind` text NOT NULL,
	`origin` text NOT NULL,
	`ref` text NOT NULL,
	`short_name` text,
	`hidden` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`kind`, `origin`, `ref`)
);
