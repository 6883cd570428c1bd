-- Mirror of ../sqlite/20261207000000_published_need.sql.
DROP VIEW item_need;
CREATE VIEW item_need_published AS
SELECT i.id,
       CASE WHEN i.excluded_at IS NULL AND i.gold IS NULL
             AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id)
                 >= CASE d.kind WHEN 'correct' THEN 1 ELSE 2 END
            THEN GREATEST(0, d.overlap_target - (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.counted = 1))
            ELSE 0 END AS need,
       d.staging_of IS NULL AS published
  FROM items i JOIN datasets d ON d.id = i.dataset_id;
CREATE VIEW item_need AS
SELECT id, CASE WHEN published THEN need ELSE 0 END AS need FROM item_need_published;
