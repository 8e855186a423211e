-- Full-text index over the catalog for search_tools. drizzle-kit cannot express FTS5 tables,
-- so this one migration is written by hand and kept in step by triggers.
CREATE VIRTUAL TABLE `tools_fts` USING fts5(
	`global_id` UNINDEXED,
	`name`,
	`title`,
	`description`,
	`tags`,
	tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `tools_fts_insert` AFTER INSERT ON `tools` BEGIN
	INSERT INTO `tools_fts` (`global_id`, `name`, `title`, `description`, `tags`)
	VALUES (
		new.`global_id`,
		new.`name` || ' ' || coalesce((SELECT `short_name` FROM `tool_settings` WHERE `global_id` = new.`global_id`), ''),
		coalesce(new.`title`, ''),
		coalesce(new.`description`, ''),
		(SELECT coalesce(group_concat(value, ' '), '') FROM json_each(new.`tags`))
	);
END;
--> statement-breakpoint
CREATE TRIGGER `tools_fts_delete` AFTER DELETE ON `tools` BEGIN
	DELETE FROM `tools_fts` WHERE `global_id` = old.`global_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `tools_fts_update` AFTER UPDATE ON `tools` BEGIN
	DELETE FROM `tools_fts` WHERE `global_id` = old.`global_id`;
	INSERT INTO `tools_fts` (`global_id`, `name`, `title`, `description`, `tags`)
	VALUES (
		new.`global_id`,
		new.`name` || ' ' || coalesce((SELECT `short_name` FROM `tool_settings` WHERE `global_id` = new.`global_id`), ''),
		coalesce(new.`title`, ''),
		coalesce(new.`description`, ''),
		(SELECT coalesce(group_concat(value, ' '), '') FROM json_each(new.`tags`))
	);
END;
--> statement-breakpoint
CREATE TRIGGER `tools_fts_rename` AFTER UPDATE OF `short_name` ON `tool_settings` BEGIN
	UPDATE `tools_fts`
	SET `name` = (SELECT `name` FROM `tools` WHERE `global_id` = new.`global_id`) || ' ' || new.`short_name`
	WHERE `global_id` = new.`global_id`;
END;
