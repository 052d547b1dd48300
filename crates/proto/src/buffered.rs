//! Merging buffered data changes (OnBufferedDataChange) of one item, for the
//! gateway's per-item conflation of a slow consumer's event queue.

use mxgateway_mx::MAX_BUFFERED_SAMPLES;

use crate::v1::OnBufferedDataChange;

/// Folds an older buffered event of the same item into a newer one (the
/// gateway's conflation of a slow consumer's queue): samples oldest first,
/// at most [`MAX_BUFFERED_SAMPLES`], the overflow counted as dropped.
pub fn merge_buffered(older: OnBufferedDataChange, newer: &mut OnBufferedDataChange) {
    let mut samples = older.samples;
    samples.append(&mut newer.samples);
    let overflow = samples.len().saturating_sub(MAX_BUFFERED_SAMPLES);
    samples.drain(..overflow);
    newer.samples = samples;
    newer.samples_dropped = newer
        .samples_dropped
        .saturating_add(older.samples_dropped)
        .saturating_add(overflow as u32);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::BufferedSample;

    fn sample(n: i32) -> BufferedSample {
        BufferedSample {
            quality: n,
            ..Default::default()
        }
    }

    #[test]
    fn merging_keeps_samples_in_order_and_counts_the_overflow() {
        let older = OnBufferedDataChange {
            samples: (0..600).map(sample).collect(),
            samples_dropped: 3,
            ..Default::default()
        };
        let mut newer = OnBufferedDataChange {
            samples: (600..1100).map(sample).collect(),
            ..Default::default()
        };
        merge_buffered(older, &mut newer);
        assert_eq!(newer.samples.len(), MAX_BUFFERED_SAMPLES);
        assert_eq!(newer.samples[0].quality, 100);
        assert_eq!(newer.samples.last().unwrap().quality, 1099);
        assert_eq!(newer.samples_dropped, 103);
    }
}
