//! Items stored by handle in one vector.
//!
//! Item handles are small positive integers the session hands out itself
//! (freed handles are reused first), so a vector indexed by handle holds them
//! densely. On the event path every data change looks up its item: items
//! subscribed together sit next to each other here and are usually updated in
//! that same order, so the lookups walk memory forwards instead of probing a
//! hash table at random (at 100,000 items the table's probes were the worker's
//! largest cost).

/// A map from positive `i32` handles to `T`, dense in the handles in use.
#[derive(Debug)]
pub(crate) struct HandleSlab<T> {
    slots: Vec<Option<T>>,
}

impl<T> Default for HandleSlab<T> {
    fn default() -> Self {
        HandleSlab { slots: Vec::new() }
    }
}

impl<T> HandleSlab<T> {
    /// The slot of `handle`; `None` for handles that can never be stored.
    fn index(handle: i32) -> Option<usize> {
        usize::try_from(handle).ok()?.checked_sub(1)
    }

    pub(crate) fn get(&self, handle: &i32) -> Option<&T> {
        self.slots.get(Self::index(*handle)?)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, handle: &i32) -> Option<&mut T> {
        self.slots.get_mut(Self::index(*handle)?)?.as_mut()
    }

    /// Stores `value` under `handle` (which must be positive), returning what
    /// was there.
    pub(crate) fn insert(&mut self, handle: i32, value: T) -> Option<T> {
        let i = Self::index(handle).expect("item handles are positive");
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, || None);
        }
        self.slots[i].replace(value)
    }

    pub(crate) fn remove(&mut self, handle: &i32) -> Option<T> {
        self.slots.get_mut(Self::index(*handle)?)?.take()
    }

    /// Every stored item with its handle, in handle order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (i32, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| Some((i as i32 + 1, slot.as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_reuses_and_rejects_handles() {
        let mut slab = HandleSlab::default();
        assert_eq!(slab.insert(1, "a"), None);
        assert_eq!(slab.insert(3, "c"), None);
        assert_eq!(slab.get(&3), Some(&"c"));
        assert_eq!(slab.get(&2), None);
        // Handles a client may send that were never handed out.
        for bad in [0, -1, i32::MIN, 4, i32::MAX] {
            assert_eq!(slab.get(&bad), None);
            assert!(slab.get_mut(&bad).is_none());
            assert_eq!(slab.remove(&bad), None);
        }
        assert_eq!(slab.remove(&1), Some("a"));
        assert_eq!(slab.remove(&1), None);
        assert_eq!(slab.insert(1, "again"), None);
        assert_eq!(slab.insert(1, "replaced"), Some("again"));
        assert_eq!(
            slab.iter().collect::<Vec<_>>(),
            vec![(1, &"replaced"), (3, &"c")]
        );
    }
}
