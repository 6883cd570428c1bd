-- Browsing items: an item's history reads the audit log by entity, and the state filter
-- counts each item's corrections.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX corrections_item ON corrections (item_id);
