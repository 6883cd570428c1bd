-- Flags in a spot-audit, kept apart from the item's working flags so that re-labelling
-- measures the reviewers without changing their work and without showing it. Each sampled
-- item starts with a copy of the detectors' spans on its question and answers (`flag_id`
-- names the original; status 'open' until the auditor confirms or dismisses it); the
-- auditor's own spans and concerns have no `flag_id`. Columns mean what they mean in `flags`.
CREATE TABLE audit_flags (
    id           INTEGER PRIMARY KEY,
    audit_id     INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    flag_id      INTEGER REFERENCES flags(id) ON DELETE CASCADE,
    field        TEXT CHECK (field IN ('question', 'answer')),
    candidate_id INTEGER REFERENCES candidates(id),
    span_start   INTEGER,
    span_end     INTEGER,
    span_text    TEXT,
    category     TEXT NOT NULL,
    severity     TEXT,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    note         TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (audit_id, position) REFERENCES audit_items(audit_id, position) ON DELETE CASCADE,
    UNIQUE (audit_id, position, flag_id),
    CHECK ((span_start IS NULL) = (span_end IS NULL))
);

-- Audits drawn before this migration get their snapshot now.
INSERT INTO audit_flags (audit_id, position, flag_id, field, candidate_id, span_start, span_end, span_text,
                         category, severity, note)
SELECT x.audit_id, x.position, f.id, f.field, f.candidate_id, f.span_start, f.span_end, f.span_text,
       f.category, f.severity, f.note
  FROM audit_items x JOIN flags f ON f.item_id = x.item_id
 WHERE f.source = 'detector' AND f.status != 'resolved' AND f.field IN ('question', 'answer');
