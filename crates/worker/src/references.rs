//! A session's items by reference (definition and context, compared without
//! regard to case), so that ReadBulk finds the advised item that can answer
//! from its cache.
//!
//! Memory matters here: at 1,000,000 items a map from the lowercased
//! reference `String` to a `Vec` of handles cost about 130 bytes per item
//! (two small heap blocks and a 48-byte entry). This index keeps a 64-bit
//! hash of the lowercased reference and the handles, the first one inline:
//! about 25 bytes per item. A hash names candidates only; callers confirm a
//! candidate against the item's own definition and context with
//! [`same_reference`], so a collision can never answer with another tag's
//! value.
//!
//! Case folding is per character (`char::to_lowercase`), the same for the
//! hash and the comparison.

use std::hash::{BuildHasher, Hash, Hasher};

use mxgateway_mx::HandleMap;

/// The handles of one reference hash; almost always exactly one.
#[derive(Debug)]
enum Handles {
    One(i32),
    // Boxed on purpose: a thin pointer keeps every entry at 16 bytes.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<i32>>),
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct ReferenceIndex {
    by_hash: HandleMap<u64, Handles>,
}

/// A reference hashed as its case-folded characters.
struct Folded<'a> {
    definition: &'a str,
    context: &'a str,
}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.context.chars().flat_map(char::to_lowercase) {
            state.write_u32(u32::from(c));
        }
        // A separator no reference contains, so ("ab", "c") ≠ ("a", "bc").
        state.write_u32(0x1f);
        for c in self.definition.chars().flat_map(char::to_lowercase) {
            state.write_u32(u32::from(c));
        }
    }
}

/// True when two strings are equal after per-character case folding.
fn folded_eq(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// True when (definition, context) pairs name the same reference.
pub(crate) fn same_reference(a: (&str, &str), b: (&str, &str)) -> bool {
    folded_eq(a.0, b.0) && folded_eq(a.1, b.1)
}

impl ReferenceIndex {
    fn key(&self, definition: &str, context: &str) -> u64 {
        // The map's own hash state, seeded per map: references from a
        // client cannot be chosen to collide on purpose.
        self.by_hash.hasher().hash_one(Folded {
            definition,
            context,
        })
    }

    /// Records `handle` under its reference.
    pub(crate) fn insert(&mut self, definition: &str, context: &str, handle: i32) {
        let key = self.key(definition, context);
        match self.by_hash.get_mut(&key) {
            None => {
                self.by_hash.insert(key, Handles::One(handle));
            }
            Some(Handles::One(first)) => {
                let first = *first;
                self.by_hash
                    .insert(key, Handles::Many(Box::new(vec![first, handle])));
            }
            Some(Handles::Many(handles)) => handles.push(handle),
        }
    }

    /// Forgets `handle`, recorded under this reference.
    pub(crate) fn remove(&mut self, definition: &str, context: &str, handle: i32) {
        let key = self.key(definition, context);
        let emptied = match self.by_hash.get_mut(&key) {
            None => false,
            Some(Handles::One(h)) => *h == handle,
            Some(Handles::Many(handles)) => {
                handles.retain(|&h| h != handle);
                match handles.as_slice() {
                    [] => true,
                    [last] => {
                        let last = *last;
                        self.by_hash.insert(key, Handles::One(last));
                        false
                    }
                    _ => false,
                }
            }
        };
        if emptied {
            self.by_hash.remove(&key);
        }
    }

    /// Handles that may carry this reference, oldest first; confirm each
    /// with [`same_reference`].
    pub(crate) fn candidates(&self, definition: &str, context: &str) -> &[i32] {
        match self.by_hash.get(&self.key(definition, context)) {
            None => &[],
            Some(Handles::One(h)) => std::slice::from_ref(h),
            Some(Handles::Many(handles)) => handles,
        }
    }

    /// Distinct reference hashes held (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_hash.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_match_without_regard_to_case_and_keep_their_handles_in_order() {
        let mut index = ReferenceIndex::default();
        index.insert("Tank1.Level", "", 1);
        index.insert("TANK1.level", "", 2);
        index.insert("Tank1.Level", "Area", 3);
        assert_eq!(index.candidates("tank1.LEVEL", ""), [1, 2]);
        assert_eq!(index.candidates("Tank1.Level", "AREA"), [3]);
        assert!(index.candidates("Tank2.Level", "").is_empty());
        index.remove("Tank1.Level", "", 1);
        assert_eq!(index.candidates("tank1.level", ""), [2]);
        index.remove("tank1.level", "", 2);
        index.remove("Tank1.Level", "Area", 3);
        assert_eq!(index.len(), 0);
    }

    #[test]
    fn removing_an_unknown_handle_changes_nothing() {
        let mut index = ReferenceIndex::default();
        index.insert("A.B", "", 1);
        index.remove("A.B", "", 9);
        index.remove("C.D", "", 1);
        assert_eq!(index.candidates("a.b", ""), [1]);
    }

    #[test]
    fn the_context_separator_keeps_split_points_apart() {
        assert!(!same_reference(("c", "ab"), ("bc", "a")));
        assert!(same_reference(("Ä.x", "Ctx"), ("ä.X", "ctx")));
        let mut index = ReferenceIndex::default();
        index.insert("c", "ab", 1);
        // Either no candidate or one the caller rejects; never a match.
        let wrong = index.candidates("bc", "a");
        assert!(wrong.is_empty() || !same_reference(("bc", "a"), ("c", "ab")));
    }
}
