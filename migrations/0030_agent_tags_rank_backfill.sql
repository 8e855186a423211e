-- Tag rows written before 0029 carry trust 0: each takes its agent's trust from the index, so that
-- discovery's head read (src/store/agent-index.ts) ranks them as it ranks new rows.
UPDATE `agent_tags` SET `trust` = (SELECT `trust` FROM `agent_index` WHERE `agent_index`.`agent_id` = `agent_tags`.`agent_id`) WHERE EXISTS (SELECT 1 FROM `agent_index` WHERE `agent_index`.`agent_id` = `agent_tags`.`agent_id`);
