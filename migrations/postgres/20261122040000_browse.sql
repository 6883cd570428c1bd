-- Mirror of ../sqlite/20261122040000_browse.sql.
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX corrections_item ON corrections (item_id);
