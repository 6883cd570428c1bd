-- Generated answers and the review items made from them.

-- An item made from another item's prompt with a newly generated answer (interactive or a job).
-- It keeps the parent's import and source line as provenance.
ALTER TABLE items ADD COLUMN derived_from INTEGER REFERENCES items(id);
-- Who added the generated answer: they are not given the item to judge (they know which answer is new).
ALTER TABLE items ADD COLUMN created_by INTEGER REFERENCES users(id);
CREATE INDEX items_derived ON items (derived_from);

-- A regenerated answer, kept on the server until its reviewer adds it as a candidate (or not):
-- the browser only ever names it by id, so nobody can add a text the model did not write.
CREATE TABLE generated_answers (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    body        TEXT NOT NULL,
    model       TEXT NOT NULL,
    generation  TEXT NOT NULL,                    -- JSON provenance, as candidates.generation
    score       REAL,
    score_kind  TEXT,
    added_at    TEXT,                             -- when it became a candidate
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Batch jobs, as first sketched in the initial schema but never used: rebuilt with what the
-- runner needs (a job may be started from the command line, so `created_by` may be NULL).
DROP TABLE generation_job_items;
DROP TABLE generation_jobs;
CREATE TABLE generation_jobs (
    id          INTEGER PRIMARY KEY,
    dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
    created_by  INTEGER REFERENCES users(id),    -- NULL: the command line
    selection   TEXT NOT NULL,
    n           INTEGER NOT NULL CHECK (n >= 1),
    settings    TEXT NOT NULL DEFAULT '{}',      -- JSON: the whole job spec
    state       TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'paused', 'cancelled', 'done', 'failed')),
    error       TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
-- The items a job covers, fixed when it starts; each is done (or failed) exactly once.
CREATE TABLE generation_job_items (
    job_id        INTEGER NOT NULL REFERENCES generation_jobs(id) ON DELETE CASCADE,
    item_id       INTEGER NOT NULL REFERENCES items(id),
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    error         TEXT,
    created_items INTEGER NOT NULL DEFAULT 0,
    done_at       TEXT,
    PRIMARY KEY (job_id, item_id)
);
CREATE INDEX generation_job_items_pending ON generation_job_items (job_id, state, item_id);
CREATE INDEX candidates_job ON candidates (job_id);

-- Remote OpenAI-compatible chat-completions endpoints an admin has configured. A dataset names
-- one like a local model; reviewers never supply an address.
CREATE TABLE model_endpoints (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    base_url     TEXT NOT NULL,                   -- e.g. http://gpu-01:8000/v1
    model        TEXT NOT NULL,                   -- the `model` field sent
    api_key      TEXT,                            -- never sent back to a browser
    timeout_secs INTEGER NOT NULL DEFAULT 120 CHECK (timeout_secs BETWEEN 1 AND 3600),
    retries      INTEGER NOT NULL DEFAULT 2 CHECK (retries BETWEEN 0 AND 10),
    created_by   INTEGER REFERENCES users(id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
