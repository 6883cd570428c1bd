-- How long the QA item was on screen before the reviewer decided (the compare screen's
-- judgments have kept this from the start; corrections dropped it).
ALTER TABLE corrections ADD COLUMN time_on_task_ms INTEGER;
