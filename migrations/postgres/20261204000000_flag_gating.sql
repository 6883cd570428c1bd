-- Mirror of ../sqlite/20261204000000_flag_gating.sql.
CREATE TABLE ungated_categories (
    dataset_id BIGINT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    set_by     BIGINT REFERENCES users(id),
    set_at     TEXT NOT NULL DEFAULT medpref_now(),
    PRIMARY KEY (dataset_id, category)
);

CREATE INDEX flags_category ON flags (category, status);
