//! The `bench-stream-events` JSON object, with the keys (and their order)
//! pinned by `fixtures/bench-schema.json`, and the latency summary every
//! bench client computes the same way: the samples sorted,
//! `rank = q * (n - 1)`, linear interpolation between the neighbouring
//! ranks, 0 without samples, the sample itself for one sample; figures
//! rounded to three decimals, halves away from zero.

use serde_json::{json, Map, Value};

/// The `q` quantile (0..=1) of ascending `sorted` samples.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let low = rank.floor() as usize;
            let high = rank.ceil() as usize;
            sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
        }
    }
}

/// Rounds to three decimals; `f64::round` rounds halves away from zero.
pub fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `{p50, p95, p99, max, mean}` of the samples (milliseconds), rounded.
pub fn latency_summary(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    let mean = if samples.is_empty() {
        0.0
    } else {
        samples.iter().sum::<f64>() / samples.len() as f64
    };
    let mut m = Map::new();
    m.insert("p50".into(), json!(round3(percentile(&samples, 0.50))));
    m.insert("p95".into(), json!(round3(percentile(&samples, 0.95))));
    m.insert("p99".into(), json!(round3(percentile(&samples, 0.99))));
    m.insert(
        "max".into(),
        json!(round3(samples.last().copied().unwrap_or(0.0))),
    );
    m.insert("mean".into(), json!(round3(mean)));
    Value::Object(m)
}

/// What one client run measured.
pub struct StreamReport {
    pub endpoint: String,
    pub duration_seconds: f64,
    pub warmup_seconds: f64,
    pub duration_ms: f64,
    pub tags: usize,
    pub total_events: u64,
    pub conflated_events: u64,
    pub sequence_gaps: u64,
    pub latencies_ms: Vec<f64>,
}

impl StreamReport {
    pub fn events_per_second(&self) -> f64 {
        if self.duration_ms > 0.0 {
            self.total_events as f64 * 1000.0 / self.duration_ms
        } else {
            0.0
        }
    }

    /// The `bench-stream-events` object, keys in the schema's order.
    pub fn into_json(self) -> Value {
        let events_per_second = round3(self.events_per_second());
        let mut m = Map::new();
        m.insert("language".into(), json!("rust"));
        m.insert("command".into(), json!("bench-stream-events"));
        m.insert("endpoint".into(), json!(self.endpoint));
        m.insert("clientName".into(), json!("mxgateway-bench-opcua"));
        m.insert("durationSeconds".into(), json!(self.duration_seconds));
        m.insert("warmupSeconds".into(), json!(self.warmup_seconds));
        m.insert("durationMs".into(), json!(round3(self.duration_ms)));
        m.insert("tags".into(), json!(self.tags));
        m.insert("totalEvents".into(), json!(self.total_events));
        // Every notification of this peer is a data change.
        m.insert("dataChanges".into(), json!(self.total_events));
        m.insert("eventsPerSecond".into(), json!(events_per_second));
        m.insert("conflatedEvents".into(), json!(self.conflated_events));
        m.insert("sequenceGaps".into(), json!(self.sequence_gaps));
        m.insert("latencyMs".into(), latency_summary(self.latencies_ms));
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Value {
        serde_json::from_str(include_str!("../../../fixtures/bench-schema.json")).unwrap()
    }

    fn keys(v: &Value) -> Vec<String> {
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn percentiles_match_the_shared_fixture() {
        let schema = schema();
        let sample = &schema["percentiles"];
        let samples: Vec<f64> = sample["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(latency_summary(samples), sample["expected"]);
    }

    #[test]
    fn percentiles_of_no_sample_and_one_sample() {
        assert_eq!(percentile(&[], 0.99), 0.0);
        assert_eq!(percentile(&[7.5], 0.5), 7.5);
        assert_eq!(latency_summary(vec![])["mean"], json!(0.0));
    }

    #[test]
    fn halves_round_away_from_zero() {
        assert_eq!(round3(0.0625), 0.063);
        assert_eq!(round3(-0.0625), -0.063);
        assert_eq!(round3(1.0625), 1.063);
    }

    #[test]
    fn the_report_has_the_schema_keys_in_order() {
        let schema = schema();
        let report = StreamReport {
            endpoint: "opc.tcp://127.0.0.1:4840/".into(),
            duration_seconds: 1.0,
            warmup_seconds: 0.5,
            duration_ms: 1000.25,
            tags: 3,
            total_events: 30,
            conflated_events: 0,
            sequence_gaps: 0,
            latencies_ms: vec![1.0, 2.0],
        }
        .into_json();
        let expected: Vec<String> = schema["bench-stream-events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys(&report), expected);
        let latency: Vec<String> = schema["latencyMs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys(&report["latencyMs"]), latency);
        assert_eq!(report["language"], "rust");
        assert_eq!(report["clientName"], "mxgateway-bench-opcua");
        assert_eq!(report["eventsPerSecond"], json!(29.993));
    }
}
