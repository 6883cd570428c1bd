-- Mirror of ../sqlite/20261206000000_staging_need.sql: an answer stored into a staging
-- dataset leaves its item's `need` alone.
CREATE OR REPLACE FUNCTION need_on_candidate() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN
    IF (SELECT d.staging_of IS NULL FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = NEW.item_id) THEN
        PERFORM medpref_renew_need(NEW.item_id);
    END IF;
    RETURN NULL;
END $$;
