CREATE TABLE `token_redemption_counts` (
	`intent_id` text PRIMARY KEY NOT NULL,
	`tokens` integer NOT NULL,
	`keep_until` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `token_redemption_counts_keep` ON `token_redemption_counts` (`keep_until`);