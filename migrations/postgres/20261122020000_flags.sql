-- Mirror of ../sqlite/20261122020000_flags.sql.
ALTER TABLE flags ADD COLUMN field TEXT
    CHECK (field IN ('question', 'answer', 'corrected_question', 'corrected_answer', 'final_question', 'final_answer'));
ALTER TABLE flags ADD COLUMN correction_id BIGINT REFERENCES corrections(id) ON DELETE CASCADE;
ALTER TABLE flags ADD COLUMN span_text TEXT;
ALTER TABLE flags ADD COLUMN reviewed_by BIGINT REFERENCES users(id);
ALTER TABLE flags ADD COLUMN reviewed_at TEXT;
CREATE INDEX flags_status ON flags (status, category);
