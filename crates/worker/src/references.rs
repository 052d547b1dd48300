//! A session's items by reference (definition and context, compared without
//! regard to case), so that ReadBulk finds the advised item that can answer
//! from its cache.
//!
//! Memory matters here: at 1,000,000 items a map from the lowercased
//! reference `String` to a `Vec` of handles cost about 130 bytes per item
//! (two small heap blocks and a 48-byte entry). This index keeps a 32-bit
//! hash of the folded reference and the first handle, 8 bytes a bucket
//! (about 17 bytes per item with the table's spare buckets), and any
//! further handles of a hash in a second, normally empty map. A hash names candidates only; callers confirm a
//! candidate against the item's own definition and context with
//! [`same_reference`], so a collision can never answer with another tag's
//! value.
//!
//! Case folding is per character (`char::to_lowercase`; byte by byte for
//! ASCII text), the same for the hash and the comparison.

use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, Hash, Hasher};

use mxgateway_mx::HandleMap;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct ReferenceIndex {
    /// The first handle under each hash: 8 bytes a bucket.
    first: HandleMap<u32, i32>,
    /// Further handles under a hash (the same reference added again, or a
    /// collision): rare, so kept apart.
    more: HandleMap<u32, Vec<i32>>,
}

/// A reference hashed as its case-folded characters.
struct Folded<'a> {
    definition: &'a str,
    context: &'a str,
}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut bytes = FoldedBytes {
            state,
            buf: [0; 64],
            len: 0,
        };
        bytes.push_str(self.context);
        // A separator no reference contains, so ("ab", "c") ≠ ("a", "bc").
        bytes.push(0x1f);
        bytes.push_str(self.definition);
        bytes.flush();
    }
}

/// Feeds the UTF-8 bytes of case-folded text to a hasher in 64-byte
/// chunks: the chunks depend only on the folded bytes, so ASCII text (folded
/// a byte at a time, the usual case) and other text hash alike.
struct FoldedBytes<'a, H> {
    state: &'a mut H,
    buf: [u8; 64],
    len: usize,
}

impl<H: Hasher> FoldedBytes<'_, H> {
    fn push(&mut self, byte: u8) {
        if self.len == self.buf.len() {
            self.flush();
        }
        self.buf[self.len] = byte;
        self.len += 1;
    }

    fn push_str(&mut self, text: &str) {
        if text.is_ascii() {
            for byte in text.bytes() {
                self.push(byte.to_ascii_lowercase());
            }
        } else {
            let mut utf8 = [0u8; 4];
            for c in text.chars().flat_map(char::to_lowercase) {
                for &byte in c.encode_utf8(&mut utf8).as_bytes() {
                    self.push(byte);
                }
            }
        }
    }

    fn flush(&mut self) {
        self.state.write(&self.buf[..self.len]);
        self.len = 0;
    }
}

/// True when two strings are equal after per-character case folding.
fn folded_eq(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// True when (definition, context) pairs name the same reference.
pub(crate) fn same_reference(a: (&str, &str), b: (&str, &str)) -> bool {
    folded_eq(a.0, b.0) && folded_eq(a.1, b.1)
}

impl ReferenceIndex {
    fn key(&self, definition: &str, context: &str) -> u32 {
        // The map's own hash state, seeded per map: references from a client
        // cannot be chosen to collide on purpose. 32 bits are plenty for a
        // candidate list that callers confirm.
        self.first.hasher().hash_one(Folded {
            definition,
            context,
        }) as u32
    }

    /// Records `handle` under its reference.
    pub(crate) fn insert(&mut self, definition: &str, context: &str, handle: i32) {
        let key = self.key(definition, context);
        match self.first.entry(key) {
            Entry::Occupied(_) => self.more.entry(key).or_default().push(handle),
            Entry::Vacant(slot) => {
                slot.insert(handle);
            }
        }
    }

    /// Forgets `handle`, recorded under this reference.
    pub(crate) fn remove(&mut self, definition: &str, context: &str, handle: i32) {
        let key = self.key(definition, context);
        if self.first.get(&key) == Some(&handle) {
            // The oldest further handle, if any, moves up.
            match self.more.get_mut(&key) {
                Some(more) => {
                    let next = more.remove(0);
                    if more.is_empty() {
                        self.more.remove(&key);
                    }
                    self.first.insert(key, next);
                }
                None => {
                    self.first.remove(&key);
                }
            }
        } else if let Some(more) = self.more.get_mut(&key) {
            more.retain(|&h| h != handle);
            if more.is_empty() {
                self.more.remove(&key);
            }
        }
    }

    /// Handles that may carry this reference, oldest first; confirm each
    /// with [`same_reference`].
    pub(crate) fn candidates(
        &self,
        definition: &str,
        context: &str,
    ) -> impl Iterator<Item = i32> + '_ {
        let key = self.key(definition, context);
        let more = self.more.get(&key).map(Vec::as_slice).unwrap_or_default();
        self.first
            .get(&key)
            .copied()
            .into_iter()
            .chain(more.iter().copied())
    }

    /// Distinct reference hashes held (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.first.len()
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
        let found = |index: &ReferenceIndex, d: &str, c: &str| -> Vec<i32> {
            index.candidates(d, c).collect()
        };
        assert_eq!(found(&index, "tank1.LEVEL", ""), [1, 2]);
        assert_eq!(found(&index, "Tank1.Level", "AREA"), [3]);
        assert!(found(&index, "Tank2.Level", "").is_empty());
        index.insert("tank1.level", "", 4);
        index.remove("Tank1.Level", "", 1);
        assert_eq!(found(&index, "tank1.level", ""), [2, 4]);
        index.remove("Tank1.Level", "", 4);
        assert_eq!(found(&index, "tank1.level", ""), [2]);
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
        assert_eq!(index.candidates("a.b", "").collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn ascii_and_other_text_fold_and_hash_alike() {
        let mut index = ReferenceIndex::default();
        let long = "Ä".repeat(40) + ".Attr";
        index.insert(&long, "", 1);
        index.insert(
            "Plain.Attribute_With_A_Long_Name_That_Passes_Sixty_Four_Bytes",
            "",
            2,
        );
        assert_eq!(
            index
                .candidates(&long.to_uppercase(), "")
                .collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(
            index
                .candidates(
                    "plain.attribute_with_a_long_name_that_passes_sixty_four_bytes",
                    ""
                )
                .collect::<Vec<_>>(),
            [2]
        );
        assert!(same_reference(("ÄB.x", ""), ("äb.X", "")));
        assert!(!same_reference(("AB.x", ""), ("ÄB.x", "")));
    }

    #[test]
    fn the_context_separator_keeps_split_points_apart() {
        assert!(!same_reference(("c", "ab"), ("bc", "a")));
        assert!(same_reference(("Ä.x", "Ctx"), ("ä.X", "ctx")));
        let mut index = ReferenceIndex::default();
        index.insert("c", "ab", 1);
        // Either no candidate or one the caller rejects; never a match.
        let wrong = index.candidates("bc", "a").count();
        assert!(wrong == 0 || !same_reference(("bc", "a"), ("c", "ab")));
    }
}
