-- The bad lines of an import made with `--on-error quarantine`: kept with the import record
-- so that an admin can download them, fix them and import them again. Written with the staged
-- items, in the same transactions, and discarded with them if the import fails.
CREATE TABLE import_rejects (
    import_id INTEGER NOT NULL REFERENCES imports(id),
    line      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    record    TEXT NOT NULL,   -- the line as the file had it (empty for a line that is not UTF-8)
    PRIMARY KEY (import_id, line)
) WITHOUT ROWID;
