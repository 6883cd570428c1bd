-- `need` as it will be once an item's dataset is published, so that publishing a new
-- dataset's first import can compute it in short batches while the dataset is still staging
-- (its items are served to nobody: a staging dataset is reachable by no name and no id), and
-- the publishing transaction only renames the dataset. `item_need` stays the one definition
-- the triggers use: 0 while staging.
DROP VIEW item_need;
CREATE VIEW item_need_published AS
SELECT i.id,
       CASE WHEN i.excluded_at IS NULL AND i.gold IS NULL
             AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id)
                 >= CASE d.kind WHEN 'correct' THEN 1 ELSE 2 END
            THEN max(0, d.overlap_target - (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.counted = 1))
            ELSE 0 END AS need,
       d.staging_of IS NULL AS published
  FROM items i JOIN datasets d ON d.id = i.dataset_id;
CREATE VIEW item_need AS
SELECT id, CASE WHEN published THEN need ELSE 0 END AS need FROM item_need_published;
