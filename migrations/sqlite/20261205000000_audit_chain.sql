-- Tamper evidence for the audit log (issue 17, item 9): each entry carries the SHA-256 of
-- its content and the previous entry's hash, so editing, inserting or deleting an entry
-- breaks every later link (`medpref audit verify` names the first). Entries written before
-- this migration have none and are reported as unchained.
ALTER TABLE audit_log ADD COLUMN hash TEXT;
