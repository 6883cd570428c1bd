-- Admin console: exports with their manifests, and ending a user's sessions.

-- Each export: the policy it was asked for and, once the data is written whole, its
-- manifest (counts, agreement, sha256 of the data). A download that broke off has none.
CREATE TABLE exports (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    format      TEXT NOT NULL,
    policy      TEXT NOT NULL,                 -- JSON
    manifest    TEXT,                          -- JSON
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT
);
CREATE INDEX exports_dataset ON exports (dataset_id, id);

-- Sessions remember the epoch they began in; disabling an account or resetting its
-- password moves the epoch on, so every earlier session ends (even after re-enabling).
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- How a dataset's prompts are put to a model (issue 7 fills it in): plain substitution.
ALTER TABLE datasets ADD COLUMN prompt_template TEXT;
