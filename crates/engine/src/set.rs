//! `KeySet`, a sorted set of keys stored as one vector; the engine's own sorts; finding
//! repeated keys.
//!
//! A user holds a handful of roles and groups; a `BTreeSet` spends a 300-byte node on each
//! such set, which at 10,000 users is most of the org's memory. A sorted vector holds the same
//! set in a tenth of the space, answers `contains` by binary search, and serialises as a list.
//! (A transaction's set of touched records is one too: records are mostly touched in key
//! order, so insertions mostly land at the end.) The sorts and [`first_repeat`] are here
//! rather than the standard library's sorts and hash sets because each of those, per type,
//! is kilobytes of the element's `.wasm`.

use std::borrow::Borrow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A set of keys kept sorted and without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeySet<K>(Vec<K>);

impl<K> Default for KeySet<K> {
    fn default() -> KeySet<K> {
        KeySet(Vec::new())
    }
}

impl<K: Ord> KeySet<K> {
    /// An empty set.
    pub fn new() -> KeySet<K> {
        KeySet(Vec::new())
    }

    /// Whether the set holds `key`.
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|k| k.borrow().cmp(key)).is_ok()
    }

    /// Adds `key`; returns whether it was new.
    pub fn insert(&mut self, key: K) -> bool {
        match self.0.binary_search(&key) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, key);
                true
            }
        }
    }

    /// Removes `key`; returns whether it was there.
    pub fn remove<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.0.binary_search_by(|k| k.borrow().cmp(key)) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// The keys in order.
    pub fn iter(&self) -> std::slice::Iter<'_, K> {
        self.0.iter()
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// The keys in order, as a slice.
    pub fn as_slice(&self) -> &[K] {
        &self.0
    }

    fn normalise(mut keys: Vec<K>) -> KeySet<K> {
        heap_sort_by(&mut keys, |a, b| a < b);
        keys.dedup();
        keys.shrink_to_fit();
        KeySet(keys)
    }
}

/// Sorts `items` by `less` in place, in O(n log n), not stably. The engine's own sorts of
/// keys and records use this rather than the standard library's sorts, each of which adds
/// several kilobytes to the element's `.wasm` for every type it sorts; input that is sorted
/// already (as documents are) is recognised in one pass.
pub(crate) fn heap_sort_by<T>(items: &mut [T], less: impl Fn(&T, &T) -> bool) {
    if items.windows(2).all(|w| !less(&w[1], &w[0])) {
        return;
    }
    let len = items.len();
    for at in (0..len / 2).rev() {
        sift_down(items, at, len, &less);
    }
    for end in (1..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end, &less);
    }
}

/// Keeps only the `keep` least of `items` by `less`, in order: a page of a sorted list
/// without sorting the rest, in O(n + keep log n).
pub(crate) fn least_sorted_by<T>(items: &mut Vec<T>, keep: usize, less: impl Fn(&T, &T) -> bool) {
    let len = items.len();
    if len <= keep {
        return heap_sort_by(items, less);
    }
    // A heap with the least item on top; each pop moves it behind the heap, so the least
    // items gather at the end, the very least last.
    let more = |a: &T, b: &T| less(b, a);
    for at in (0..len / 2).rev() {
        sift_down(items, at, len, &more);
    }
    for end in (len - keep..len).rev() {
        items.swap(0, end);
        sift_down(items, 0, end, &more);
    }
    items.drain(..len - keep);
    items.reverse();
}

/// Moves `items[at]` down the heap held in `items[..end]`, whose top is the greatest by `less`.
fn sift_down<T>(items: &mut [T], mut at: usize, end: usize, less: &impl Fn(&T, &T) -> bool) {
    loop {
        let mut child = 2 * at + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&items[child], &items[child + 1]) {
            child += 1;
        }
        if !less(&items[at], &items[child]) {
            break;
        }
        items.swap(at, child);
        at = child;
    }
}

/// The first place (in list order) whose key is also at an earlier place, if any: how a
/// document's duplicate ids and emails are found. Sorting the keys with their places takes
/// O(n log n) whatever the keys are, where a hash set's worst case is quadratic, and no
/// hash map's code goes into the element's `.wasm`.
pub(crate) fn first_repeat<'a>(keys: impl Iterator<Item = &'a str> + Clone) -> Option<usize> {
    // Keys listed in order (ids, as documents hold them) can't repeat.
    let mut ordered = keys.clone().zip(keys.clone().skip(1));
    if ordered.all(|(a, b)| a < b) {
        return None;
    }
    // Sorted by a hash of the key first, so most comparisons are of two numbers; equal keys
    // have equal hashes, so they still end up together, in list order.
    let mut placed: Vec<(u64, &str, usize)> = keys
        .enumerate()
        .map(|(at, key)| (spread(key), key, at))
        .collect();
    heap_sort_by(&mut placed, |a, b| a < b);
    // All but the first of a run of equal keys are repeats.
    placed
        .windows(2)
        .filter(|w| w[0].1 == w[1].1)
        .map(|w| w[1].2)
        .min()
}

/// A 64-bit hash of `key`, eight bytes at a time: a spread, not a secret (keys made to
/// collide only make the sort compare their text).
fn spread(key: &str) -> u64 {
    let mix =
        |hash: u64, word: u64| (hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut words = key.as_bytes().chunks_exact(8);
    let mut hash = mix(0, key.len() as u64);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        hash = mix(hash, u64::from_le_bytes(bytes));
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    mix(hash, u64::from_le_bytes(last))
}

/// How many of `keys` (sorted) equal `key`.
pub(crate) fn count_in_sorted(keys: &[&str], key: &str) -> usize {
    let start = keys.partition_point(|k| *k < key);
    keys[start..].partition_point(|k| *k == key)
}

impl<K: Ord> FromIterator<K> for KeySet<K> {
    fn from_iter<I: IntoIterator<Item = K>>(iter: I) -> KeySet<K> {
        KeySet::normalise(iter.into_iter().collect())
    }
}

impl<K: Ord> Extend<K> for KeySet<K> {
    fn extend<I: IntoIterator<Item = K>>(&mut self, iter: I) {
        let mut keys = std::mem::take(&mut self.0);
        keys.extend(iter);
        *self = KeySet::normalise(keys);
    }
}

impl<'a, K> IntoIterator for &'a KeySet<K> {
    type Item = &'a K;
    type IntoIter = std::slice::Iter<'a, K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K> IntoIterator for KeySet<K> {
    type Item = K;
    type IntoIter = std::vec::IntoIter<K>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<K: Serialize> Serialize for KeySet<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, K: Deserialize<'de> + Ord> Deserialize<'de> for KeySet<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<K>::deserialize(deserializer).map(KeySet::normalise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_unique() {
        let mut set: KeySet<String> = ["b", "a", "b"].into_iter().map(String::from).collect();
        assert_eq!(set.as_slice(), ["a", "b"]);
        assert!(set.insert("c".into()));
        assert!(!set.insert("a".into()));
        assert!(set.contains("c") && !set.contains("d"));
        assert!(set.remove("a") && !set.remove("a"));
        set.extend(["z".to_owned(), "b".to_owned()]);
        assert_eq!(set.as_slice(), ["b", "c", "z"]);
        let json = serde_json::to_string(&set).unwrap_or_default();
        assert_eq!(json, r#"["b","c","z"]"#);
        let back: KeySet<String> = serde_json::from_str(r#"["z","b","z","c"]"#).unwrap_or_default();
        assert_eq!(back, set);
    }

    #[test]
    fn first_repeat_names_the_earliest_place_seen_before() {
        assert_eq!(first_repeat(["a", "b", "c"].into_iter()), None);
        assert_eq!(first_repeat(std::iter::empty()), None);
        assert_eq!(first_repeat(["b", "a", "c", "a", "b"].into_iter()), Some(3));
        assert_eq!(first_repeat(["z", "z", "z"].into_iter()), Some(1));
        assert_eq!(first_repeat(["c", "b", "a", "b"].into_iter()), Some(3));
    }

    #[test]
    fn count_in_sorted_counts_one_key() {
        let sorted = ["a", "b", "b", "b", "d"];
        let counts: Vec<usize> = ["a", "b", "c", "d", "e", ""]
            .iter()
            .map(|k| count_in_sorted(&sorted, k))
            .collect();
        assert_eq!(counts, [1, 3, 0, 1, 0, 0]);
        assert_eq!(count_in_sorted(&[], "a"), 0);
    }

    #[test]
    fn heap_sorts_sort_like_the_standard_sort() {
        let mut state = 7u64;
        for len in [0, 1, 2, 3, 10, 100, 1000] {
            let mut items: Vec<u64> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    state >> 58
                })
                .collect();
            let mut want = items.clone();
            want.sort_unstable();
            for keep in [0, 1, 5, len / 2, len, len + 1] {
                let mut least = items.clone();
                least_sorted_by(&mut least, keep, |a, b| a < b);
                assert_eq!(least, want[..keep.min(len)], "{keep} of {len} items");
            }
            heap_sort_by(&mut items, |a, b| a < b);
            assert_eq!(items, want, "{len} items");
        }
    }
}
