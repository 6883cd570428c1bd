-- Mirror of ../sqlite/20261202000000_import_rejects.sql.
CREATE TABLE import_rejects (
    import_id BIGINT NOT NULL REFERENCES imports(id),
    line      BIGINT NOT NULL,
    reason    TEXT NOT NULL,
    record    TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
