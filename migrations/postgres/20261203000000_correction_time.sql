-- Mirror of ../sqlite/20261203000000_correction_time.sql.
ALTER TABLE corrections ADD COLUMN time_on_task_ms BIGINT;
