//! A bounded-by-design event queue that conflates per key instead of dropping.
//!
//! Below `capacity` live entries it is a plain FIFO. At or above it, an event
//! whose key already has a pending entry replaces that entry: the old one is
//! removed, the new one goes to the back carrying a count of how many events it
//! folded. So the queue never holds more than `capacity` entries plus one per
//! distinct key, the latest value of every key is always kept, and the order of
//! entries (and so the monotonic sequence numbers they carry) is preserved.
//! Events without a key (e.g. write completions) are never conflated; their
//! number is bounded by whoever produces them (in-flight commands).
//!
//! The per-key index is kept only while it can be needed: it is built when the
//! queue first reaches `capacity` and dropped again once the consumer has
//! brought it down to half of that. A consumer that keeps up (the normal case)
//! so costs no hashing at all; the rebuild is paid once per fill, by the pushes
//! that filled the queue.
//!
//! [`ConflatingQueue::push_merging`] folds differently: the replaced entry is
//! handed to a merge function with the new one (buffered data changes keep
//! the samples of both), so what "latest" means is the caller's choice.

use std::collections::VecDeque;
use std::hash::Hash;

/// Once drained, a queue whose storage grew past this many slots (a burst,
/// such as the initial values of a large subscription, or a stall) gives it
/// back down to [`RETAINED_SLOTS`], so the memory of a burst does not stay
/// with the session.
const RETAINED_SLOTS_MAX: usize = 65_536;
const RETAINED_SLOTS: usize = 4_096;

/// What [`ConflatingQueue::push`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Push {
    Appended,
    /// The event replaced a pending one of the same key.
    Conflated,
}

struct Slot<K, E> {
    key: Option<K>,
    event: E,
    folded: u32,
}

/// See the module documentation.
pub struct ConflatingQueue<K, E> {
    slots: VecDeque<Option<Slot<K, E>>>,
    /// Absolute position of `slots[0]`.
    base: u64,
    /// Latest pending absolute position per key; maintained only while
    /// `indexed` (see the module documentation).
    latest: crate::HandleMap<K, u64>,
    indexed: bool,
    live: usize,
    tombstones: usize,
    capacity: usize,
    conflated_total: u64,
}

impl<K: Hash + Eq + Clone, E> ConflatingQueue<K, E> {
    /// A queue that starts conflating at `capacity` live entries.
    pub fn new(capacity: usize) -> Self {
        ConflatingQueue {
            slots: VecDeque::new(),
            base: 0,
            latest: crate::HandleMap::default(),
            indexed: false,
            live: 0,
            tombstones: 0,
            capacity: capacity.max(1),
            conflated_total: 0,
        }
    }

    /// Live entries waiting to be popped.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Slots allocated now (live entries, tombstones and spare capacity).
    pub fn allocated_slots(&self) -> usize {
        self.slots.capacity()
    }

    /// Events folded away since the queue was created.
    pub fn conflated_total(&self) -> u64 {
        self.conflated_total
    }

    /// Adds an event; see the module documentation for when it conflates.
    pub fn push(&mut self, key: Option<K>, event: E) -> Push {
        self.push_merging(key, event, |_older, _newer| {})
    }

    /// Adds an event like [`push`](Self::push), but when it replaces a
    /// pending entry of its key, `merge(older, &mut newer)` first folds the
    /// older event into the new one.
    pub fn push_merging(
        &mut self,
        key: Option<K>,
        mut event: E,
        merge: impl FnOnce(E, &mut E),
    ) -> Push {
        let mut folded = 0;
        let mut outcome = Push::Appended;
        if let Some(k) = &key {
            if self.live >= self.capacity {
                if !self.indexed {
                    self.build_index();
                }
                if let Some(&pos) = self.latest.get(k) {
                    let idx = (pos - self.base) as usize;
                    if let Some(old) = self.slots[idx].take() {
                        folded = old.folded.saturating_add(1);
                        merge(old.event, &mut event);
                        self.live -= 1;
                        self.tombstones += 1;
                        self.conflated_total += 1;
                        outcome = Push::Conflated;
                    }
                }
            }
            if self.indexed {
                let pos = self.base + self.slots.len() as u64;
                self.latest.insert(k.clone(), pos);
            }
        }
        self.slots.push_back(Some(Slot { key, event, folded }));
        self.live += 1;
        self.maybe_compact();
        outcome
    }

    /// Removes the oldest live event with the number of events it folded.
    pub fn pop(&mut self) -> Option<(E, u32)> {
        while let Some(slot) = self.slots.pop_front() {
            let pos = self.base;
            self.base += 1;
            match slot {
                None => self.tombstones -= 1,
                Some(slot) => {
                    self.live -= 1;
                    if self.indexed {
                        if self.live <= self.capacity / 2 {
                            // Dropped, not cleared: a table sized for a
                            // stall must not stay allocated after it.
                            self.latest = crate::HandleMap::default();
                            self.indexed = false;
                        } else if let Some(k) = slot.key {
                            if self.latest.get(&k) == Some(&pos) {
                                self.latest.remove(&k);
                            }
                        }
                    }
                    if self.slots.is_empty() && self.slots.capacity() > RETAINED_SLOTS_MAX {
                        self.slots.shrink_to(RETAINED_SLOTS);
                    }
                    return Some((slot.event, slot.folded));
                }
            }
        }
        None
    }

    /// Pops up to `max` events.
    pub fn drain_up_to(&mut self, max: usize, out: &mut Vec<(E, u32)>) {
        while out.len() < max {
            match self.pop() {
                Some(e) => out.push(e),
                None => break,
            }
        }
    }

    /// Indexes every pending keyed entry by its latest position.
    fn build_index(&mut self) {
        self.latest.clear();
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(Slot { key: Some(k), .. }) = slot {
                self.latest.insert(k.clone(), self.base + i as u64);
            }
        }
        self.indexed = true;
    }

    /// Rebuilds the deque without tombstones once they outnumber live entries,
    /// so a long stall cannot grow memory with dead slots.
    fn maybe_compact(&mut self) {
        if self.tombstones < 1024 || self.tombstones <= self.live {
            return;
        }
        let old = std::mem::take(&mut self.slots);
        let old_base = self.base;
        for (i, slot) in old.into_iter().enumerate() {
            if let Some(slot) = slot {
                let old_pos = old_base + i as u64;
                let new_pos = self.base + self.slots.len() as u64;
                if let (true, Some(k)) = (self.indexed, &slot.key) {
                    if let Some(p) = self.latest.get_mut(k) {
                        if *p == old_pos {
                            *p = new_pos;
                        }
                    }
                }
                self.slots.push_back(Some(slot));
            }
        }
        self.tombstones = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_drained_burst_gives_its_storage_back() {
        let mut q = ConflatingQueue::new(1_000_000);
        for i in 0..200_000u32 {
            q.push(Some(i), i);
        }
        assert!(q.allocated_slots() >= 200_000);
        let mut out = Vec::new();
        q.drain_up_to(usize::MAX, &mut out);
        assert_eq!(out.len(), 200_000);
        assert!(q.allocated_slots() <= RETAINED_SLOTS_MAX);
        // Ordinary traffic keeps its (small) storage.
        q.push(Some(1), 1);
        let small = q.allocated_slots();
        q.pop();
        assert_eq!(q.allocated_slots(), small);
    }

    #[test]
    fn fifo_below_capacity() {
        let mut q = ConflatingQueue::new(10);
        for i in 0..5 {
            assert_eq!(q.push(Some(1), i), Push::Appended);
        }
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(e, _)| e).collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4]);
        assert_eq!(q.conflated_total(), 0);
    }

    #[test]
    fn conflates_at_capacity_and_keeps_latest_in_order() {
        let mut q = ConflatingQueue::new(3);
        q.push(Some("a"), 1);
        q.push(Some("b"), 2);
        q.push(None, 100);
        assert_eq!(q.push(Some("a"), 3), Push::Conflated);
        assert_eq!(q.push(Some("a"), 4), Push::Conflated);
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, vec![(2, 0), (100, 0), (4, 2)]);
        assert_eq!(q.conflated_total(), 2);
    }

    #[test]
    fn memory_stays_bounded_under_a_long_stall() {
        let mut q = ConflatingQueue::new(100);
        for round in 0..1_000u32 {
            for key in 0..1_000u32 {
                q.push(Some(key), round);
            }
        }
        assert_eq!(q.len(), 1_000);
        assert!(q.slots.len() <= 4 * 1_000 + 1024, "slots {}", q.slots.len());
        let mut last = HashMap::new();
        while let Some((v, _)) = q.pop() {
            last.insert(v, ());
        }
        // The first 100 pushes of round 0 stayed in FIFO mode (keys 0..100);
        // every key's final value is the last round.
        assert!(last.contains_key(&999));
    }

    #[test]
    fn conflation_stays_exact_across_index_drops_and_rebuilds() {
        // Fill past capacity, drain below half (the index goes), fill again:
        // each round must fold exactly the older pending entries of a key.
        let mut q = ConflatingQueue::new(4);
        let mut next = 0;
        for round in 0..5 {
            for key in 0..8u32 {
                q.push(Some(key % 3), next);
                next += 1;
            }
            let mut out = Vec::new();
            q.drain_up_to(q.len() - 1, &mut out);
            let events: Vec<i32> = out.iter().map(|(e, _)| *e).collect();
            assert!(
                events.windows(2).all(|w| w[0] < w[1]),
                "round {round}: {events:?}"
            );
            assert_eq!(q.len(), 1);
        }
        // What is left is the last event pushed.
        assert_eq!(q.pop().map(|(e, _)| e), Some(next - 1));
        assert!(q.is_empty());
        // Capacity 4, 3 keys: the first round appends 4 and folds 4; each later
        // round starts with 1 left, appends 3 and folds 5.
        assert_eq!(q.conflated_total(), 4 + 4 * 5);
    }

    #[test]
    fn every_key_ends_with_its_latest_value() {
        let mut q = ConflatingQueue::new(8);
        for round in 0..50u32 {
            for key in 0..20u32 {
                q.push(Some(key), (key, round));
            }
        }
        let mut latest = HashMap::new();
        while let Some(((k, r), _)) = q.pop() {
            latest.insert(k, r);
        }
        assert_eq!(latest.len(), 20);
        assert!(latest.values().all(|r| *r == 49));
    }

    #[test]
    fn push_merging_folds_the_older_event_into_the_newer_one() {
        let mut q: ConflatingQueue<&str, Vec<u32>> = ConflatingQueue::new(1);
        let append = |older: Vec<u32>, newer: &mut Vec<u32>| {
            let mut all = older;
            all.append(newer);
            *newer = all;
        };
        q.push_merging(Some("a"), vec![1], append);
        q.push_merging(Some("b"), vec![10], append);
        assert_eq!(
            q.push_merging(Some("a"), vec![2, 3], append),
            Push::Conflated
        );
        assert_eq!(q.push_merging(Some("a"), vec![4], append), Push::Conflated);
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, vec![(vec![10], 0), (vec![1, 2, 3, 4], 2)]);
    }
}
