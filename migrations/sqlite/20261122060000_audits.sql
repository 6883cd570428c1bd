-- Spot-audits: a reproducible sample of a dataset's judged items, re-labelled blind by an
-- auditor. The auditor's decisions live here, not in judgments: they never reach exports,
-- overlap counts or the reviewers' statistics.
CREATE TABLE audits (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    created_by  INTEGER REFERENCES users(id),
    design      TEXT NOT NULL CHECK (design IN ('random', 'reviewer', 'department', 'task', 'vote')),
    n           INTEGER NOT NULL CHECK (n >= 1),
    seed        INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE audit_items (
    audit_id     INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,                -- order of labelling
    item_id      INTEGER NOT NULL REFERENCES items(id),
    stratum      TEXT NOT NULL,
    presentation TEXT NOT NULL,                   -- JSON candidate ids as shown to the auditor (drawn from the seed)
    decision     TEXT,                            -- JSON: the auditor's decision in source terms
    decided_at   TEXT,
    PRIMARY KEY (audit_id, position),
    UNIQUE (audit_id, item_id)
);
