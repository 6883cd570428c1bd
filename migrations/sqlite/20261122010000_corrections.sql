-- Correcting QA pairs: what a source carries beyond question and answer, and final versions
-- chosen by adjudication when reviewers disagree.

-- Source-specific fields, e.g. PromptCBLUE's answer_choices, task_type, task_dataset, sample_id.
ALTER TABLE items ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';

CREATE TABLE adjudications (
    item_id        INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    decision       TEXT NOT NULL CHECK (decision IN ('accept', 'edit', 'reject')),
    final_question TEXT,
    final_answer   TEXT,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
