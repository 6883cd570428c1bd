-- The review queue as index seeks (issue 15). Before, picking an item counted every
-- candidate item's assignments under the write lock: O(items) per pick. Now each item
-- carries how many more reviewers it needs, kept by the triggers below in the same
-- transaction as the lease, judgment or skip that changes it, and the open items of a
-- dataset are a partial index.

-- 1 while an assignment holds one of its item's overlap slots: from its lease until it is
-- skipped or its lease expires and is reclaimed; a done assignment keeps its slot.
ALTER TABLE assignments ADD COLUMN counted INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1));
UPDATE assignments SET counted = 1
 WHERE state = 'done' OR (state = 'leased' AND lease_expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Reviewers an item still needs (0 for items the queue does not serve: excluded, gold,
-- with too few answers to review, or still being imported).
ALTER TABLE items ADD COLUMN need INTEGER NOT NULL DEFAULT 0;

-- An import writes its rows into a hidden staging dataset in short transactions and moves
-- them into the dataset named here at the end (see `store::staging`): reviewers' writes
-- never wait behind a whole import. Staging datasets are listed nowhere.
ALTER TABLE datasets ADD COLUMN staging_of TEXT;
ALTER TABLE imports ADD COLUMN state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('staging', 'publishing', 'done'));
-- Moved on by every batch: a staging import not heard from for a while was abandoned.
ALTER TABLE imports ADD COLUMN heartbeat_at TEXT;

-- The one definition of `need`; every trigger below recomputes it from here.
CREATE VIEW item_need AS
SELECT i.id,
       CASE WHEN i.excluded_at IS NULL AND i.gold IS NULL AND d.staging_of IS NULL
             AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id)
                 >= CASE d.kind WHEN 'correct' THEN 1 ELSE 2 END
            THEN max(0, d.overlap_target - (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id AND a.counted = 1))
            ELSE 0 END AS need
  FROM items i JOIN datasets d ON d.id = i.dataset_id;

UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = items.id);

-- Items of a dataset that still need reviewers (kept by the triggers below).
ALTER TABLE datasets ADD COLUMN open_items INTEGER NOT NULL DEFAULT 0;
UPDATE datasets SET open_items = (SELECT COUNT(*) FROM items i WHERE i.dataset_id = datasets.id AND i.need > 0);

-- A reviewer's place in a dataset's queue: the highest item leased (picks go forward from
-- it), items decided, and how many of the items they decided (or skipped) are still open,
-- so "how many more may I get" is arithmetic, not a count.
CREATE TABLE reviewer_queue (
    user_id     INTEGER NOT NULL REFERENCES users(id),
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    cursor      INTEGER NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    barred_open INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, dataset_id)
) WITHOUT ROWID;
INSERT INTO reviewer_queue (user_id, dataset_id, cursor, done, barred_open)
SELECT a.user_id, i.dataset_id, MAX(a.item_id),
       SUM(a.state = 'done'), SUM(a.state IN ('done', 'skipped') AND i.need > 0)
  FROM assignments a JOIN items i ON i.id = a.item_id
 GROUP BY a.user_id, i.dataset_id;

CREATE INDEX items_open ON items (dataset_id, id) WHERE need > 0;
CREATE INDEX items_open_department ON items (dataset_id, department, id) WHERE need > 0;
CREATE INDEX items_gold ON items (dataset_id, id) WHERE gold IS NOT NULL;
CREATE INDEX items_created_by ON items (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX assignments_item_counted ON assignments (item_id, counted);
-- Leases to reclaim when they expire.
CREATE INDEX assignments_live ON assignments (lease_expires_at) WHERE state = 'leased' AND counted = 1;

-- `need` follows what it is computed from.
CREATE TRIGGER need_on_candidate AFTER INSERT ON candidates
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = NEW.item_id) WHERE id = NEW.item_id; END;
CREATE TRIGGER need_on_candidate_delete AFTER DELETE ON candidates
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = OLD.item_id) WHERE id = OLD.item_id; END;
CREATE TRIGGER need_on_lease AFTER INSERT ON assignments
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = NEW.item_id) WHERE id = NEW.item_id; END;
CREATE TRIGGER need_on_slot AFTER UPDATE OF counted ON assignments WHEN OLD.counted <> NEW.counted
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = NEW.item_id) WHERE id = NEW.item_id; END;
CREATE TRIGGER need_on_item AFTER UPDATE OF gold, excluded_at, dataset_id ON items
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = NEW.id) WHERE id = NEW.id; END;
CREATE TRIGGER need_on_overlap AFTER UPDATE OF overlap_target ON datasets WHEN OLD.overlap_target <> NEW.overlap_target
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = items.id) WHERE dataset_id = NEW.id; END;

-- The counters follow `need` as it crosses zero. A statement changes either an
-- assignment's state or its slot, never both, so each transition is counted once.
CREATE TRIGGER open_items_on_need AFTER UPDATE OF need ON items WHEN (OLD.need > 0) <> (NEW.need > 0)
BEGIN
    UPDATE datasets SET open_items = open_items + CASE WHEN NEW.need > 0 THEN 1 ELSE -1 END WHERE id = NEW.dataset_id;
    UPDATE reviewer_queue SET barred_open = barred_open + CASE WHEN NEW.need > 0 THEN 1 ELSE -1 END
     WHERE dataset_id = NEW.dataset_id
       AND user_id IN (SELECT user_id FROM assignments WHERE item_id = NEW.id AND state IN ('done', 'skipped'));
END;
CREATE TRIGGER open_items_on_delete AFTER DELETE ON items WHEN OLD.need > 0
BEGIN UPDATE datasets SET open_items = open_items - 1 WHERE id = OLD.dataset_id; END;
CREATE TRIGGER reviewer_queue_on_finish AFTER UPDATE OF state ON assignments
  WHEN OLD.state = 'leased' AND NEW.state IN ('done', 'skipped')
BEGIN
    UPDATE reviewer_queue
       SET done = done + (NEW.state = 'done'),
           barred_open = barred_open + (SELECT need > 0 FROM items WHERE id = NEW.item_id)
     WHERE user_id = NEW.user_id AND dataset_id = (SELECT dataset_id FROM items WHERE id = NEW.item_id);
END;

-- Texts rendered to HTML once, when they are stored (import, generation, an admin's edit or
-- redaction), so that serving an item renders nothing. NULL for rows stored before this
-- migration until the server's start-up pass renders them.
ALTER TABLE items ADD COLUMN system_html TEXT;
ALTER TABLE items ADD COLUMN history_html TEXT;   -- JSON [[question, answer], …]
ALTER TABLE items ADD COLUMN question_html TEXT;
ALTER TABLE candidates ADD COLUMN body_html TEXT;
