//! Signal generators: how an attribute's value changes on each scan of its period.
//!
//! Every generator is deterministic given the model: time-based ones (sine, square,
//! sequence) are functions of the scan number, and state-based ones (ramp, counter,
//! random walk) continue from the current value, so a client's write is visible and
//! the signal carries on from it. The random walk draws from a counter-based hash of
//! (seed, point, scan number) instead of a stateful RNG, which keeps no per-point
//! state and makes every step reproducible.

use mxgateway_mx::{MxValue, Timestamp};

use crate::convert::{as_f64, convert_scalar, from_toml, Repr};
use crate::model::GeneratorDef;

/// A compiled generator with parameters in the attribute's terms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Generator {
    Static,
    Sine {
        amplitude: f64,
        offset: f64,
        period_ms: f64,
        phase_rad: f64,
    },
    Ramp {
        min: f64,
        max: f64,
        step: f64,
    },
    RandomWalk {
        min: f64,
        max: f64,
        step: f64,
        seed: u64,
    },
    Square {
        low: MxValue,
        high: MxValue,
        half_period_ms: u64,
    },
    Counter {
        step: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    Sequence {
        values: Vec<MxValue>,
    },
    Clock,
}

/// Where in time and in the galaxy a step happens.
pub(crate) struct StepContext {
    /// The scan number of the attribute's period group, from 1.
    pub tick: u64,
    pub scan_period_ms: u64,
    /// The point's global index, which decorrelates random walks of one template.
    pub point: u32,
    pub now: Timestamp,
}

impl Generator {
    /// Compiles a model generator for an attribute of storage `repr`.
    pub(crate) fn compile(def: &GeneratorDef, repr: Repr, is_array: bool) -> Result<Self, String> {
        if is_array && !matches!(def, GeneratorDef::Static) {
            return Err("array attributes support only the static generator".into());
        }
        let numeric = |name: &str| {
            if repr.is_numeric() {
                Ok(())
            } else {
                Err(format!(
                    "the {name} generator needs a numeric attribute (Integer, Float, Double, ElapsedTime)"
                ))
            }
        };
        Ok(match def {
            GeneratorDef::Static => Generator::Static,
            GeneratorDef::Sine(s) => {
                numeric("sine")?;
                if s.period_ms == 0 {
                    return Err("sine period_ms must be > 0".into());
                }
                Generator::Sine {
                    amplitude: s.amplitude,
                    offset: s.offset,
                    period_ms: s.period_ms as f64,
                    phase_rad: s.phase_deg.to_radians(),
                }
            }
            GeneratorDef::Ramp(r) => {
                numeric("ramp")?;
                if r.min >= r.max || r.step == 0.0 || !r.step.is_finite() {
                    return Err("ramp needs min < max and a non-zero step".into());
                }
                Generator::Ramp {
                    min: r.min,
                    max: r.max,
                    step: r.step,
                }
            }
            GeneratorDef::RandomWalk(r) => {
                numeric("random_walk")?;
                if r.min > r.max || r.step < 0.0 || !r.step.is_finite() {
                    return Err("random_walk needs min <= max and step >= 0".into());
                }
                Generator::RandomWalk {
                    min: r.min,
                    max: r.max,
                    step: r.step,
                    seed: r.seed,
                }
            }
            GeneratorDef::Square(s) => {
                if !(repr.is_numeric() || repr == Repr::Bool) {
                    return Err("the square generator needs a Boolean or numeric attribute".into());
                }
                if s.period_ms < 2 {
                    return Err("square period_ms must be >= 2".into());
                }
                Generator::Square {
                    low: repr.number(s.low),
                    high: repr.number(s.high),
                    half_period_ms: s.period_ms / 2,
                }
            }
            GeneratorDef::Counter(c) => {
                numeric("counter")?;
                if c.step == 0.0 || !c.step.is_finite() {
                    return Err("counter step must be non-zero".into());
                }
                Generator::Counter {
                    step: c.step,
                    min: c.min,
                    max: c.max,
                }
            }
            GeneratorDef::Sequence(s) => {
                if s.values.is_empty() {
                    return Err("sequence needs at least one value".into());
                }
                let values = s
                    .values
                    .iter()
                    .map(|v| {
                        let raw = from_toml(v)?;
                        convert_scalar(&raw, repr)
                            .map_err(|_| format!("sequence value {v} does not convert"))
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Generator::Sequence { values }
            }
            GeneratorDef::Clock => {
                if repr != Repr::Time {
                    return Err("the clock generator needs a Time attribute".into());
                }
                Generator::Clock
            }
        })
    }

    /// True for generators that never change the value on their own.
    pub(crate) fn is_static(&self) -> bool {
        matches!(self, Generator::Static)
    }

    /// The value after one more scan, or `None` when it does not change.
    pub(crate) fn step(&self, current: &MxValue, repr: Repr, ctx: &StepContext) -> Option<MxValue> {
        let t_ms = ctx.tick.saturating_mul(ctx.scan_period_ms);
        let next = match self {
            Generator::Static => return None,
            Generator::Sine {
                amplitude,
                offset,
                period_ms,
                phase_rad,
            } => {
                let angle = std::f64::consts::TAU * (t_ms as f64 / period_ms) + phase_rad;
                repr.number(offset + amplitude * angle.sin())
            }
            Generator::Ramp { min, max, step } => {
                let cur = as_f64(current).unwrap_or(*min);
                let mut n = cur + step;
                if *step > 0.0 && n > *max {
                    n = *min;
                } else if *step < 0.0 && n < *min {
                    n = *max;
                }
                repr.number(n)
            }
            Generator::RandomWalk {
                min,
                max,
                step,
                seed,
            } => {
                let cur = as_f64(current).unwrap_or(*min);
                let u = unit_noise(*seed, ctx.point, ctx.tick);
                repr.number((cur + step * u).clamp(*min, *max))
            }
            Generator::Square {
                low,
                high,
                half_period_ms,
            } => {
                if (t_ms / half_period_ms) & 1 == 0 {
                    high.clone()
                } else {
                    low.clone()
                }
            }
            Generator::Counter { step, min, max } => {
                let cur = as_f64(current).unwrap_or(0.0);
                let mut n = cur + step;
                let restart_low = min.unwrap_or(0.0);
                let restart_high = max.unwrap_or(0.0);
                if max.is_some_and(|m| *step > 0.0 && n > m) {
                    n = restart_low;
                } else if min.is_some_and(|m| *step < 0.0 && n < m) {
                    n = restart_high;
                }
                // Integers wrap like a PLC counter instead of saturating forever.
                if repr == Repr::Int && !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&n) {
                    n = restart_low;
                }
                repr.number(n)
            }
            Generator::Sequence { values } => {
                values[(ctx.tick % values.len() as u64) as usize].clone()
            }
            Generator::Clock => MxValue::Time(ctx.now),
        };
        (next != *current).then_some(next)
    }
}

/// A uniform number in `[-1, 1]` from (seed, point, tick), via SplitMix64.
fn unit_noise(seed: u64, point: u32, tick: u64) -> f64 {
    let mut z = seed
        ^ (u64::from(point)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ tick.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // 53 random bits into [0, 1), then onto [-1, 1).
    ((z >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CounterDef, RampDef, RandomWalkDef, SquareDef};

    fn ctx(tick: u64) -> StepContext {
        StepContext {
            tick,
            scan_period_ms: 1000,
            point: 7,
            now: Timestamp::default(),
        }
    }

    #[test]
    fn counter_continues_from_the_current_value_and_wraps() {
        let g = Generator::compile(
            &GeneratorDef::Counter(CounterDef {
                step: 1.0,
                min: Some(0.0),
                max: Some(10.0),
            }),
            Repr::Int,
            false,
        )
        .unwrap();
        assert_eq!(
            g.step(&MxValue::Int32(42), Repr::Int, &ctx(1)),
            Some(MxValue::Int32(0))
        );
        assert_eq!(
            g.step(&MxValue::Int32(3), Repr::Int, &ctx(1)),
            Some(MxValue::Int32(4))
        );
    }

    #[test]
    fn ramp_wraps_and_square_alternates() {
        let ramp = Generator::compile(
            &GeneratorDef::Ramp(RampDef {
                min: 0.0,
                max: 2.0,
                step: 1.5,
            }),
            Repr::Double,
            false,
        )
        .unwrap();
        assert_eq!(
            ramp.step(&MxValue::Double(1.5), Repr::Double, &ctx(1)),
            Some(MxValue::Double(0.0))
        );
        let square = Generator::compile(
            &GeneratorDef::Square(SquareDef {
                low: 0.0,
                high: 1.0,
                period_ms: 4000,
            }),
            Repr::Bool,
            false,
        )
        .unwrap();
        let values: Vec<_> = (0..4)
            .map(
                |t| match square.step(&MxValue::Empty, Repr::Bool, &ctx(t)) {
                    Some(MxValue::Bool(b)) => b,
                    other => panic!("{other:?}"),
                },
            )
            .collect();
        assert_eq!(values, vec![true, true, false, false]);
    }

    #[test]
    fn random_walk_is_deterministic_and_bounded() {
        let g = Generator::compile(
            &GeneratorDef::RandomWalk(RandomWalkDef {
                min: 0.0,
                max: 10.0,
                step: 3.0,
                seed: 5,
            }),
            Repr::Double,
            false,
        )
        .unwrap();
        let walk = || {
            let mut v = MxValue::Double(5.0);
            let mut out = Vec::new();
            for t in 1..200 {
                if let Some(n) = g.step(&v, Repr::Double, &ctx(t)) {
                    v = n;
                }
                out.push(as_f64(&v).unwrap());
            }
            out
        };
        let a = walk();
        assert_eq!(a, walk());
        assert!(a.iter().all(|v| (0.0..=10.0).contains(v)));
        assert!(a.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn type_mismatches_are_rejected() {
        assert!(Generator::compile(&GeneratorDef::Clock, Repr::Int, false).is_err());
        assert!(Generator::compile(
            &GeneratorDef::Counter(CounterDef::default()),
            Repr::Str,
            false
        )
        .is_err());
        assert!(Generator::compile(
            &GeneratorDef::Counter(CounterDef::default()),
            Repr::Int,
            true
        )
        .is_err());
    }
}
