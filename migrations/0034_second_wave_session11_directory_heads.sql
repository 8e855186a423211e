DROP INDEX `directory_entries_origin`;--> statement-breakpoint
DROP INDEX `directory_entries_id`;--> statement-breakpoint
-- Hand-edited: the expressions of these two indexes (2-byte heads) are written here, not as drizzle-kit generated them.
CREATE INDEX `directory_entries_origin` ON `directory_entries` (substr(`origin`, 1, 2));--> statement-breakpoint
CREATE INDEX `directory_entries_id` ON `directory_entries` (substr(`id`, 1, 2));--> statement-breakpoint
-- Hand-written: a row whose URL starts with a scheme in capitals would not be rebuilt as written once schemes are stripped; it goes, and repair brings the entry back kept as text.
DELETE FROM `directory_entries` WHERE substr(`url`, 1, 8) <> 'https://' AND substr(`url`, 1, 7) <> 'http://';--> statement-breakpoint
-- Hand-written: rows stored before this migration lose their URL's `https://` (directory-rows.ts gives it back); a URL whose rest starts with a scheme keeps it whole.
UPDATE `directory_entries` SET `url` = substr(`url`, 9) WHERE substr(`url`, 1, 8) = 'https://' AND substr(`url`, 9, 7) <> 'http://' AND substr(`url`, 9, 8) <> 'https://';
