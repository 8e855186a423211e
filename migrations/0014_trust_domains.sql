CREATE TABLE `node_domains` (
	`node_id` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`verified` integer NOT NULL,
	`reason` text,
	`checked_at` integer NOT NULL
);
