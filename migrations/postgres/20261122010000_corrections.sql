-- Mirror of ../sqlite/20261122010000_corrections.sql.
ALTER TABLE items ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

CREATE TABLE adjudications (
    item_id        BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users(id),
    decision       TEXT NOT NULL CHECK (decision IN ('accept', 'edit', 'reject')),
    final_question TEXT,
    final_answer   TEXT,
    created_at     TEXT NOT NULL DEFAULT medpref_now(),
    updated_at     TEXT NOT NULL DEFAULT medpref_now()
);
