CREATE TABLE `trust_scope_scores` (
	`scope` text NOT NULL,
	`node` text NOT NULL,
	`score` real NOT NULL,
	PRIMARY KEY(`node`, `scope`)
);
