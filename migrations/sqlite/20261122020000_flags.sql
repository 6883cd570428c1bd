-- Flags name the text they are on: the question, an answer (candidate_id), a reviewer's
-- corrected question or answer (correction_id), or the adjudicated final version. Spans
-- keep the flagged text so reviewers and admins see it without recomputing offsets.
ALTER TABLE flags ADD COLUMN field TEXT
    CHECK (field IN ('question', 'answer', 'corrected_question', 'corrected_answer', 'final_question', 'final_answer'));
ALTER TABLE flags ADD COLUMN correction_id INTEGER REFERENCES corrections(id) ON DELETE CASCADE;
ALTER TABLE flags ADD COLUMN span_text TEXT;
ALTER TABLE flags ADD COLUMN reviewed_by INTEGER REFERENCES users(id);
ALTER TABLE flags ADD COLUMN reviewed_at TEXT;
CREATE INDEX flags_status ON flags (status, category);
