-- Detector categories an admin turned off for gating in one dataset (issue 16, item 9): their
-- open spans no longer keep texts out of exports. A row present means "off"; the audit log
-- records who changed it and when, the export manifest lists the categories off.
CREATE TABLE ungated_categories (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    set_by     INTEGER REFERENCES users(id),
    set_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (dataset_id, category)
) WITHOUT ROWID;

-- Bulk actions count and update a dataset's spans by category.
CREATE INDEX flags_category ON flags (category, status);
