//! A connection's subscriptions by id, stored densely.
//!
//! A worker subscribes every item it advises, so at 1,000,000 items this
//! table holds a million entries. As a `HashMap<u64, SubEntry>` every bucket
//! carried the whole entry, and hashbrown keeps up to twice the buckets
//! it needs (a table grows to 2^21 buckets at 917,504 entries): about 136
//! bytes per subscription. Here the hash table maps the id to a slot (16
//! bytes a bucket) and the entries sit in a vector that reuses freed slots:
//! about 100 bytes. Iteration order is the slots' order, which no caller
//! relies on.
//!
//! [`SubList`] is the other side: a point's subscribers, almost always one.

use mxgateway_mx::HandleMap;

/// A point's subscribers. Behind one `Box` on the point, a single subscriber
/// costs one 32-byte block; a `Vec` cost a block for the `Vec` and another
/// for its first four elements (about 144 bytes per watched point).
#[derive(Debug, Clone)]
pub(crate) enum SubList<S> {
    One(S),
    Many(Vec<S>),
}

impl<S> SubList<S> {
    pub(crate) fn push(&mut self, sub: S) {
        match self {
            SubList::Many(subs) => subs.push(sub),
            SubList::One(_) => {
                let SubList::One(first) = std::mem::replace(self, SubList::Many(Vec::new())) else {
                    unreachable!("matched One above")
                };
                *self = SubList::Many(vec![first, sub]);
            }
        }
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, S> {
        match self {
            SubList::One(sub) => std::slice::from_ref(sub).iter(),
            SubList::Many(subs) => subs.iter(),
        }
    }

    /// Keeps the subscribers `keep` accepts; `false` when none is left.
    pub(crate) fn retain(&mut self, keep: impl Fn(&S) -> bool) -> bool {
        match self {
            SubList::One(sub) => keep(sub),
            SubList::Many(subs) => {
                subs.retain(|s| keep(s));
                !subs.is_empty()
            }
        }
    }
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct SubTable<T> {
    slot_of: HandleMap<u64, u32>,
    slots: Vec<Option<(u64, T)>>,
    free: Vec<u32>,
}

impl<T> Default for SubTable<T> {
    fn default() -> Self {
        SubTable {
            slot_of: HandleMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> SubTable<T> {
    pub(crate) fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub(crate) fn get(&self, id: &u64) -> Option<&T> {
        let slot = *self.slot_of.get(id)?;
        self.slots[slot as usize].as_ref().map(|(_, entry)| entry)
    }

    /// Stores `entry` under `id`, returning the entry it replaced.
    pub(crate) fn insert(&mut self, id: u64, entry: T) -> Option<T> {
        if let Some(&slot) = self.slot_of.get(&id) {
            return self.slots[slot as usize]
                .replace((id, entry))
                .map(|(_, old)| old);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some((id, entry));
                slot
            }
            None => {
                // More than u32::MAX subscriptions on one connection cannot
                // fit in memory long before this would wrap.
                let slot = self.slots.len() as u32;
                self.slots.push(Some((id, entry)));
                slot
            }
        };
        self.slot_of.insert(id, slot);
        None
    }

    pub(crate) fn remove(&mut self, id: &u64) -> Option<T> {
        let slot = self.slot_of.remove(id)?;
        let (_, entry) = self.slots[slot as usize].take()?;
        if slot as usize + 1 == self.slots.len() {
            self.slots.pop();
        } else {
            self.free.push(slot);
        }
        if self.slot_of.is_empty() {
            // Everything unsubscribed: give the storage back.
            *self = SubTable::default();
        }
        Some(entry)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
        self.slots
            .iter()
            .filter_map(|slot| slot.as_ref().map(|(id, entry)| (*id, entry)))
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (u64, &mut T)> {
        self.slots
            .iter_mut()
            .filter_map(|slot| slot.as_mut().map(|(id, entry)| (*id, entry)))
    }

    pub(crate) fn into_entries(self) -> impl Iterator<Item = (u64, T)> {
        self.slots.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_list_grows_from_one_and_empties() {
        let mut list = SubList::One(1);
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), [1]);
        list.push(2);
        list.push(3);
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), [1, 2, 3]);
        assert!(list.retain(|&s| s != 2));
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), [1, 3]);
        assert!(!list.retain(|_| false));
        let mut one = SubList::One(5);
        assert!(one.retain(|&s| s == 5));
        assert!(!one.retain(|&s| s != 5));
    }

    #[test]
    fn entries_are_found_replaced_removed_and_their_slots_reused() {
        let mut table = SubTable::default();
        for id in 0..10u64 {
            assert_eq!(table.insert(id << 32 | 7, id), None);
        }
        assert_eq!(table.len(), 10);
        assert_eq!(table.get(&(3 << 32 | 7)), Some(&3));
        assert_eq!(table.insert(3 << 32 | 7, 33), Some(3));
        assert_eq!(table.remove(&(4 << 32 | 7)), Some(4));
        assert_eq!(table.remove(&(4 << 32 | 7)), None);
        assert_eq!(table.get(&(4 << 32 | 7)), None);
        // The freed slot is taken by the next new id.
        table.insert(99, 99);
        assert_eq!(table.slots.len(), 10);
        let mut all: Vec<(u64, u64)> = table.iter().map(|(id, v)| (id, *v)).collect();
        all.sort();
        assert_eq!(all.len(), 10);
        assert!(all.contains(&(3 << 32 | 7, 33)) && all.contains(&(99, 99)));
        for (_, v) in table.iter_mut() {
            *v += 1;
        }
        assert_eq!(table.get(&99), Some(&100));
        let ids: Vec<u64> = table.iter().map(|(id, _)| id).collect();
        for id in ids {
            table.remove(&id);
        }
        assert_eq!(table.len(), 0);
        assert!(table.slots.is_empty() && table.free.is_empty());
        assert_eq!(table.into_entries().count(), 0);
    }
}
