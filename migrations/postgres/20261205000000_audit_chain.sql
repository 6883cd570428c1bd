-- Mirror of ../sqlite/20261205000000_audit_chain.sql.
ALTER TABLE audit_log ADD COLUMN hash TEXT;
