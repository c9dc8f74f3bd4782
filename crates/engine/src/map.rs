//! `SortedMap`: an org's records of one kind (users, devices, ...), in a vector sorted by key.
//!
//! An org is read whole far more often than it is changed: loaded from a document, cloned for
//! a change tried in the element, listed, dropped. A sorted vector does all of those in one
//! allocation where a `BTreeMap` makes one per node, finds a key by binary search just as
//! fast, and is a fraction of the code in the element's `.wasm` (a `BTreeMap` instantiates
//! its node handling for every key and value type). Adding or removing a record moves the
//! ones after it, which at 10,000 users is a few megabytes: about a millisecond.

use std::borrow::Borrow;

use crate::set::heap_sort_by;

/// A map kept sorted by key, without duplicate keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> SortedMap<K, V> {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// An empty map.
    pub fn new() -> SortedMap<K, V> {
        SortedMap(Vec::new())
    }

    fn find<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// Where `key` is in key order (0 for the first), if it is held.
    pub(crate) fn place_of<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok()
    }

    /// The value under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|at| &self.0[at].1)
    }

    /// The key as stored and the value under `key`.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|at| (&self.0[at].0, &self.0[at].1))
    }

    /// The value under `key`, to change. (The key itself can't be changed through it.)
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|at| &mut self.0[at].1)
    }

    /// Whether a value is stored under `key`.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).is_ok()
    }

    /// Stores `value` under `key`; returns the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    /// Takes out the value under `key`.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(key).ok().map(|at| self.0.remove(at).1)
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&K, &V)> + Clone {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &K> + Clone {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &V> + Clone {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// A map of the entries; of two with the same key, the later one stays (as a map filled
    /// by [`SortedMap::insert`] would hold).
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> SortedMap<K, V> {
        let entries: Vec<(K, V)> = iter.into_iter().collect();
        // Documents list records in key order already; checking is cheaper than sorting.
        if entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return SortedMap(entries);
        }
        // Ordered by key, then by place, so that of equal keys the later entry is last.
        let mut placed: Vec<(usize, (K, V))> = entries.into_iter().enumerate().collect();
        heap_sort_by(&mut placed, |a, b| (&a.1 .0, a.0) < (&b.1 .0, b.0));
        let mut kept: Vec<(K, V)> = Vec::with_capacity(placed.len());
        for (_, entry) in placed {
            match kept.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => kept.push(entry),
            }
        }
        SortedMap(kept)
    }
}

impl<K: Ord, V> Extend<(K, V)> for SortedMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_entries_sorted_with_the_last_value_per_key() {
        let mut map: SortedMap<String, u32> = [("b", 1), ("a", 2), ("b", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [(&"a".into(), &2), (&"b".into(), &3)]
        );
        assert_eq!(map.insert("c".into(), 4), None);
        assert_eq!(map.insert("a".into(), 5), Some(2));
        assert_eq!(map.get("a"), Some(&5));
        assert_eq!(map.remove("b"), Some(3));
        assert_eq!(map.remove("b"), None);
        assert!(map.contains_key("c") && !map.contains_key("d"));
        if let Some(v) = map.get_mut("c") {
            *v += 1;
        }
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [5, 5]);
        assert_eq!(
            map.keys().map(String::as_str).collect::<Vec<_>>(),
            ["a", "c"]
        );
        map.extend([("0".to_owned(), 9)]);
        assert_eq!(map.get_key_value("0"), Some((&"0".to_owned(), &9)));
        assert_eq!(map.len(), 3);
        map.clear();
        assert!(map.is_empty());
    }
}
