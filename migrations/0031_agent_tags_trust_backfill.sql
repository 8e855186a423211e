-- Discovery reads a tag's list by the trust each row carries (0030): rows stored before it take
-- their agent's trust from the index row written with them.
UPDATE `agent_tags` SET `trust` = (SELECT `trust` FROM `agent_index` WHERE `agent_index`.`agent_id` = `agent_tags`.`agent_id`);
