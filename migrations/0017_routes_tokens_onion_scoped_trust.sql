CREATE TABLE `trust_scope_scores` (
	`scope` text NOT NULL,
	`node` text NOT NULL,
	`score` real NOT NULL,
	PRIMARY KEY(`node`, `scope`)
);
--> statement-breakpoint
CREATE TABLE `onion_replay_tags` (
	`tag` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `onion_replay_tags_expires_at` ON `onion_replay_tags` (`expires_at`);--> statement-breakpoint
CREATE TABLE `route_defaults` (
	`principal` text PRIMARY KEY NOT NULL,
	`route` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `token_issuer_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`public_key` text NOT NULL,
	`private_key` text,
	`not_before` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `token_redemptions` (
	`nonce` text PRIMARY KEY NOT NULL,
	`hour` integer NOT NULL,
	`keep_until` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `token_redemptions_keep` ON `token_redemptions` (`keep_until`);--> statement-breakpoint
CREATE TABLE `token_sales` (
	`record_id` text PRIMARY KEY NOT NULL,
	`consumer` text NOT NULL,
	`count` integer NOT NULL,
	`sold_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `wallet_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`issuer` text NOT NULL,
	`key_id` text NOT NULL,
	`token` text NOT NULL,
	`unit` text NOT NULL,
	`value` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`bought_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `wallet_tokens_issuer` ON `wallet_tokens` (`issuer`,`expires_at`);