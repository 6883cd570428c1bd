//! Drawing an audit sample: n items from those reviewers decided, simply at random or
//! stratified (equal numbers per stratum, topped up at random when a stratum runs short).
//! The same data and seed always give the same sample and the same answer order.
pub use crate::domain::audit::Design;

#[cfg(feature = "ssr")]
pub use draw::draw;

#[cfg(feature = "ssr")]
mod draw {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand::seq::SliceRandom;
    use std::collections::{BTreeMap, BTreeSet};

    /// Draws up to `n` of `items` ((id, strata it belongs to), in id order); returns
    /// (id, stratum) in labelling order.
    pub fn draw(items: &[(i64, Vec<String>)], n: usize, seed: u64) -> Vec<(i64, String)> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut strata: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (id, names) in items {
            for s in names {
                strata.entry(s.as_str()).or_default().push(*id);
            }
        }
        let mut taken: BTreeSet<i64> = BTreeSet::new();
        let mut out: Vec<(i64, String)> = Vec::new();
        let count = strata.len().max(1);
        for (i, (name, ids)) in strata.iter_mut().enumerate() {
            let quota = n / count + usize::from(i < n % count);
            ids.shuffle(&mut rng);
            for id in ids.iter().filter(|id| !taken.contains(id)).take(quota).copied().collect::<Vec<_>>() {
                taken.insert(id);
                out.push((id, name.to_string()));
            }
        }
        // Strata smaller than their share: top up from every stratum at random.
        if out.len() < n {
            let mut rest: Vec<(i64, &str)> = strata
                .iter()
                .flat_map(|(name, ids)| ids.iter().map(move |id| (*id, *name)))
                .filter(|(id, _)| !taken.contains(id))
                .collect();
            rest.sort();
            rest.dedup_by_key(|(id, _)| *id);
            rest.shuffle(&mut rng);
            out.extend(rest.into_iter().take(n - out.len()).map(|(id, s)| (id, s.to_string())));
        }
        out.shuffle(&mut rng); // label in random order, not stratum by stratum
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn items() -> Vec<(i64, Vec<String>)> {
            (1..=100).map(|i| (i, vec![if i <= 10 { "rare".to_string() } else { "common".to_string() }])).collect()
        }

        #[test]
        fn the_same_seed_gives_the_same_sample_and_strata_get_equal_shares() {
            let a = draw(&items(), 20, 42);
            assert_eq!(a, draw(&items(), 20, 42), "reproducible");
            assert_ne!(a, draw(&items(), 20, 43));
            assert_eq!(a.len(), 20);
            assert_eq!(a.iter().filter(|(_, s)| s == "rare").count(), 10, "an equal share for the rare stratum");
            let ids: BTreeSet<i64> = a.iter().map(|(i, _)| *i).collect();
            assert_eq!(ids.len(), 20, "no item twice");
            // A rare stratum smaller than its share is topped up from the others.
            let b = draw(&items(), 30, 1);
            assert_eq!(b.iter().filter(|(_, s)| s == "rare").count(), 10);
            assert_eq!(b.len(), 30);
            assert_eq!(draw(&items(), 500, 1).len(), 100, "at most every item");
        }
    }
}
