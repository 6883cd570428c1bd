-- An answer stored into a staging dataset (an import not yet published) leaves its item's
-- `need` at 0, as the `item_need` view would compute it; publishing computes it once for the
-- whole import. Before, every staged answer recomputed the view and rewrote its item.
DROP TRIGGER need_on_candidate;
CREATE TRIGGER need_on_candidate AFTER INSERT ON candidates
  WHEN (SELECT d.staging_of IS NULL FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = NEW.item_id)
BEGIN UPDATE items SET need = (SELECT v.need FROM item_need v WHERE v.id = NEW.item_id) WHERE id = NEW.item_id; END;
