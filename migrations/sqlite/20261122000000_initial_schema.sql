-- medpref's store. Timestamps are UTC ISO-8601 text ('2026-11-22T08:00:00.000Z'),
-- JSON columns hold small structured values that are read whole.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,                  -- argon2id PHC string
    role          TEXT NOT NULL CHECK (role IN ('admin', 'annotator', 'auditor')),
    specialties   TEXT NOT NULL DEFAULT '[]',     -- JSON array of departments (科室)
    disabled_at   TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE datasets (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL DEFAULT 'compare' CHECK (kind IN ('compare', 'correct')),
    overlap_target INTEGER NOT NULL DEFAULT 3 CHECK (overlap_target BETWEEN 1 AND 50),
    lease_seconds  INTEGER NOT NULL DEFAULT 1800 CHECK (lease_seconds > 0),
    settings       TEXT NOT NULL DEFAULT '{}',    -- rating axes and requirements, gold rate, template
    guidelines     TEXT NOT NULL DEFAULT '',      -- markdown, written by an admin
    department     TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One row per file brought in: the provenance every item points back to.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    source_name TEXT NOT NULL,
    format      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    added       INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A prompt to review: question plus optional system text and earlier turns.
CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
    import_id    INTEGER REFERENCES imports(id),
    source_line  INTEGER,
    content_hash TEXT NOT NULL,                   -- sha256 of the normalised content: re-imports do not duplicate
    system       TEXT,
    history      TEXT NOT NULL DEFAULT '[]',      -- JSON [[question, answer], …]
    question     TEXT NOT NULL,
    department   TEXT,
    task         TEXT,                            -- e.g. a PromptCBLUE task name
    gold         TEXT,                            -- JSON of the known answer when an admin marks it gold
    excluded_at  TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (dataset_id, content_hash)
);
CREATE INDEX items_dataset ON items (dataset_id, id);

-- Two or more answers to an item, each with its provenance.
CREATE TABLE candidates (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                 -- order in the source; never shown as such
    body        TEXT NOT NULL,                    -- markdown
    model       TEXT,
    generation  TEXT,                             -- JSON: template, sampling settings, seed
    prior_label TEXT CHECK (prior_label IN ('chosen', 'rejected')),  -- the source's label; not shown to reviewers
    score       REAL,
    score_kind  TEXT,                             -- 'reward_model' or 'mean_logprob'
    job_id      INTEGER REFERENCES generation_jobs(id),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (item_id, position)
);

-- Who reviews what. One row per (item, reviewer): nobody sees an item twice.
CREATE TABLE assignments (
    id               INTEGER PRIMARY KEY,
    item_id          INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    presentation     TEXT NOT NULL,               -- JSON array of candidate ids, left to right as shown
    state            TEXT NOT NULL CHECK (state IN ('leased', 'done', 'skipped')),
    skip_reason      TEXT,
    leased_at        TEXT NOT NULL,
    lease_expires_at TEXT NOT NULL,
    completed_at     TEXT,
    UNIQUE (item_id, user_id)
);
CREATE INDEX assignments_item_state ON assignments (item_id, state, lease_expires_at);
CREATE INDEX assignments_user ON assignments (user_id, state);

-- A reviewer's decision on an assignment (pairwise vote or ranking).
CREATE TABLE judgments (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
    item_id        INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('decisive', 'tie', 'both_bad')),
    winner_id      INTEGER REFERENCES candidates(id),   -- set iff outcome = 'decisive' and pairwise
    shown_side     TEXT CHECK (shown_side IN ('left', 'right')), -- where the winner was shown
    strength       TEXT CHECK (strength IN ('slight', 'clear', 'strong')),
    rationale      TEXT,
    time_on_task_ms INTEGER,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (winner_id IS NULL OR outcome = 'decisive')
);
CREATE INDEX judgments_item ON judgments (item_id);
CREATE INDEX judgments_user ON judgments (user_id, created_at);

-- Ranks for items with more than two answers (1 = best, equal ranks = tie).
CREATE TABLE judgment_ranks (
    judgment_id  INTEGER NOT NULL REFERENCES judgments(id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    rank         INTEGER NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (judgment_id, candidate_id)
);

-- Per-answer ratings on the medical axes (correctness, safety, completeness, …).
CREATE TABLE ratings (
    judgment_id  INTEGER NOT NULL REFERENCES judgments(id) ON DELETE CASCADE,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    axis         TEXT NOT NULL,
    value        INTEGER NOT NULL,
    PRIMARY KEY (judgment_id, candidate_id, axis)
);

-- A clinician's accept / edit / reject of a generated QA pair.
CREATE TABLE corrections (
    id                 INTEGER PRIMARY KEY,
    assignment_id      INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
    item_id            INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users(id),
    candidate_id       INTEGER NOT NULL REFERENCES candidates(id),  -- the original answer
    decision           TEXT NOT NULL CHECK (decision IN ('accept', 'edit', 'reject')),
    corrected_question TEXT,
    corrected_answer   TEXT,
    reasons            TEXT NOT NULL DEFAULT '[]',  -- JSON array of reason codes
    reject_reason      TEXT,
    is_final           INTEGER NOT NULL DEFAULT 0,  -- chosen by adjudication
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Sensitive content: a span (character offsets into one text) or the whole item.
CREATE TABLE flags (
    id           INTEGER PRIMARY KEY,
    item_id      INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    candidate_id INTEGER REFERENCES candidates(id),  -- NULL: the question or the item as a whole
    span_start   INTEGER,
    span_end     INTEGER,
    category     TEXT NOT NULL,
    severity     TEXT,
    source       TEXT NOT NULL CHECK (source IN ('detector', 'reviewer')),
    detector     TEXT,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed', 'resolved')),
    resolution   TEXT CHECK (resolution IN ('redacted', 'edited', 'excluded')),
    note         TEXT,
    created_by   INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    resolved_by  INTEGER REFERENCES users(id),
    resolved_at  TEXT,
    CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CHECK (span_start IS NULL OR span_start < span_end)
);
CREATE INDEX flags_item ON flags (item_id, status);

-- Local-model generation runs; items are done one by one and never repeated.
CREATE TABLE generation_jobs (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    created_by  INTEGER NOT NULL REFERENCES users(id),
    selection   TEXT NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 1),
    settings    TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'paused', 'cancelled', 'done', 'failed')),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE generation_job_items (
    job_id   INTEGER NOT NULL REFERENCES generation_jobs(id) ON DELETE CASCADE,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    state    TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    done_at  TEXT,
    PRIMARY KEY (job_id, item_id)
);

-- Append-only record of who changed what; the triggers below refuse edits and deletes.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor_id  INTEGER REFERENCES users(id),       -- NULL: the command line
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
