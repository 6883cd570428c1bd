-- Mirror of ../sqlite/20261201000000_queue_counters.sql: `need` and the queue's counters,
-- kept by triggers. SQLite's trigger bodies become PL/pgSQL functions, one per trigger, and
-- a WHEN clause that reads other tables moves into the function (PostgreSQL's may not).
ALTER TABLE assignments ADD COLUMN counted BIGINT NOT NULL DEFAULT 0 CHECK (counted IN (0, 1));
UPDATE assignments SET counted = 1
 WHERE state = 'done' OR (state = 'leased' AND lease_expires_at > medpref_now());

ALTER TABLE items ADD COLUMN need BIGINT NOT NULL DEFAULT 0;

ALTER TABLE datasets ADD COLUMN staging_of TEXT;
ALTER TABLE imports ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('staging', 'publishing', 'done'));
ALTER TABLE imports ADD COLUMN heartbeat_at TEXT;

CREATE VIEW item_need AS
SELECT i.id,
       CASE WHEN i.excluded_at IS NULL AND i.gold IS NULL AND d.staging_of IS NULL
             AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id)
                 >= CASE d.kind WHEN 'correct' THEN 1 ELSE 2 END
            THEN GREATEST(0, d.overlap_target - (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.counted = 1))
            ELSE 0 END AS need
  FROM items i JOIN datasets d ON d.id = i.dataset_id;

UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = items.id);

ALTER TABLE datasets ADD COLUMN open_items BIGINT NOT NULL DEFAULT 0;
UPDATE datasets SET open_items = (SELECT COUNT(*) FROM items i WHERE i.dataset_id = datasets.id AND i.need > 0);

CREATE TABLE reviewer_queue (
    user_id     BIGINT NOT NULL REFERENCES users(id),
    dataset_id  BIGINT NOT NULL REFERENCES datasets(id),
    cursor      BIGINT NOT NULL DEFAULT 0,
    done        BIGINT NOT NULL DEFAULT 0,
    barred_open BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, dataset_id)
);
INSERT INTO reviewer_queue (user_id, dataset_id, cursor, done, barred_open)
SELECT a.user_id, i.dataset_id, MAX(a.item_id),
       SUM((a.state = 'done')::int), SUM((a.state IN ('done', 'skipped') AND i.need > 0)::int)
  FROM assignments a JOIN items i ON i.id = a.item_id
 GROUP BY a.user_id, i.dataset_id;

CREATE INDEX items_open ON items (dataset_id, id) WHERE need > 0;
CREATE INDEX items_open_department ON items (dataset_id, department, id) WHERE need > 0;
CREATE INDEX items_gold ON items (dataset_id, id) WHERE gold IS NOT NULL;
CREATE INDEX items_created_by ON items (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX assignments_item_counted ON assignments (item_id, counted);
CREATE INDEX assignments_live ON assignments (lease_expires_at) WHERE state = 'leased' AND counted = 1;

-- Recomputes one item's `need` from the view.
CREATE FUNCTION medpref_renew_need(item BIGINT) RETURNS void LANGUAGE sql AS
$$ UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = item) WHERE id = item $$;

CREATE FUNCTION need_on_candidate() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM medpref_renew_need(NEW.item_id); RETURN NULL; END $$;
CREATE TRIGGER need_on_candidate AFTER INSERT ON candidates
FOR EACH ROW EXECUTE FUNCTION need_on_candidate();

CREATE FUNCTION need_on_candidate_delete() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM medpref_renew_need(OLD.item_id); RETURN NULL; END $$;
CREATE TRIGGER need_on_candidate_delete AFTER DELETE ON candidates
FOR EACH ROW EXECUTE FUNCTION need_on_candidate_delete();

CREATE FUNCTION need_on_lease() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM medpref_renew_need(NEW.item_id); RETURN NULL; END $$;
CREATE TRIGGER need_on_lease AFTER INSERT ON assignments
FOR EACH ROW EXECUTE FUNCTION need_on_lease();

CREATE FUNCTION need_on_slot() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM medpref_renew_need(NEW.item_id); RETURN NULL; END $$;
CREATE TRIGGER need_on_slot AFTER UPDATE OF counted ON assignments
FOR EACH ROW WHEN (OLD.counted <> NEW.counted) EXECUTE FUNCTION need_on_slot();

CREATE FUNCTION need_on_item() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN PERFORM medpref_renew_need(NEW.id); RETURN NULL; END $$;
CREATE TRIGGER need_on_item AFTER UPDATE OF gold, excluded_at, dataset_id ON items
FOR EACH ROW EXECUTE FUNCTION need_on_item();

CREATE FUNCTION need_on_overlap() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
    UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = items.id) WHERE dataset_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER need_on_overlap AFTER UPDATE OF overlap_target ON datasets
FOR EACH ROW WHEN (OLD.overlap_target <> NEW.overlap_target) EXECUTE FUNCTION need_on_overlap();

CREATE FUNCTION open_items_on_need() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
    UPDATE datasets SET open_items = open_items + CASE WHEN NEW.need > 0 THEN 1 ELSE -1 END WHERE id = NEW.dataset_id;
    UPDATE reviewer_queue SET barred_open = barred_open + CASE WHEN NEW.need > 0 THEN 1 ELSE -1 END
     WHERE dataset_id = NEW.dataset_id
       AND user_id IN (SELECT user_id FROM assignments WHERE item_id = NEW.id AND state IN ('done', 'skipped'));
    RETURN NULL;
END $$;
CREATE TRIGGER open_items_on_need AFTER UPDATE OF need ON items
FOR EACH ROW WHEN ((OLD.need > 0) <> (NEW.need > 0)) EXECUTE FUNCTION open_items_on_need();

CREATE FUNCTION open_items_on_delete() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN UPDATE datasets SET open_items = open_items - 1 WHERE id = OLD.dataset_id; RETURN NULL; END $$;
CREATE TRIGGER open_items_on_delete AFTER DELETE ON items
FOR EACH ROW WHEN (OLD.need > 0) EXECUTE FUNCTION open_items_on_delete();

CREATE FUNCTION reviewer_queue_on_finish() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
    UPDATE reviewer_queue
       SET done = done + (NEW.state = 'done')::int,
           barred_open = barred_open + (SELECT (need > 0)::int FROM items WHERE id = NEW.item_id)
     WHERE user_id = NEW.user_id AND dataset_id = (SELECT dataset_id FROM items WHERE id = NEW.item_id);
    RETURN NULL;
END $$;
CREATE TRIGGER reviewer_queue_on_finish AFTER UPDATE OF state ON assignments
FOR EACH ROW WHEN (OLD.state = 'leased' AND NEW.state IN ('done', 'skipped')) EXECUTE FUNCTION reviewer_queue_on_finish();

ALTER TABLE items ADD COLUMN system_html TEXT;
ALTER TABLE items ADD COLUMN history_html TEXT;
ALTER TABLE items ADD COLUMN question_html TEXT;
ALTER TABLE candidates ADD COLUMN body_html TEXT;
