//! Large generated galaxies for benchmarks and bulk tests.
//!
//! All instances share one template, so the compiled plant holds the attribute
//! metadata once and per-instance cost is the object record plus its points.

use crate::model::{
    AreaDef, AttributeDef, CounterDef, EngineDef, GalaxyModel, GeneratorDef, ObjectDef,
    PlatformDef, RampDef, RandomWalkDef, SequenceDef, SineDef, SquareDef, TemplateDef,
};

/// Areas the generated objects are spread over (round robin).
pub const GENERATED_AREAS: usize = 4;

/// The template every generated object instantiates.
pub const GENERATED_TEMPLATE: &str = "$GenObject";

/// The tag name of generated object `n` (1-based), e.g. `GenObj_000001`.
pub fn generated_tag_name(n: usize) -> String {
    format!("GenObj_{n:06}")
}

/// The name of generated attribute `n` (1-based), e.g. `Attr_0001`.
pub fn generated_attribute_name(n: usize) -> String {
    format!("Attr_{n:04}")
}

/// The attribute `n` (1-based) of the generated template. Types and generators
/// rotate so every object mixes Double, Integer, Float, Boolean and String, and every
/// generator except `static` changes the value on (nearly) every scan.
fn generated_attribute(n: usize, scan_period_ms: u64) -> AttributeDef {
    let (data_type, generator) = match (n - 1) % 6 {
        0 => (
            "Double",
            GeneratorDef::Sine(SineDef {
                amplitude: 50.0,
                offset: 50.0,
                period_ms: scan_period_ms * 60,
                phase_deg: (n * 7 % 360) as f64,
            }),
        ),
        1 => (
            "Integer",
            GeneratorDef::Counter(CounterDef {
                step: 1.0,
                min: Some(0.0),
                max: Some(1_000_000.0),
            }),
        ),
        2 => (
            "Float",
            GeneratorDef::RandomWalk(RandomWalkDef {
                min: 0.0,
                max: 100.0,
                step: 1.0,
                seed: n as u64,
            }),
        ),
        3 => (
            "Boolean",
            GeneratorDef::Square(SquareDef {
                low: 0.0,
                high: 1.0,
                period_ms: scan_period_ms * 2,
            }),
        ),
        4 => (
            "Double",
            GeneratorDef::Ramp(RampDef {
                min: 0.0,
                max: 1000.0,
                step: 0.5,
            }),
        ),
        _ => (
            "String",
            GeneratorDef::Sequence(SequenceDef {
                values: ["Idle", "Running", "Stopping"]
                    .into_iter()
                    .map(|s| toml::Value::String(s.into()))
                    .collect(),
            }),
        ),
    };
    AttributeDef {
        name: generated_attribute_name(n),
        data_type: Some(data_type.into()),
        generator: Some(generator),
        ..AttributeDef::default()
    }
}

impl GalaxyModel {
    /// A deterministic galaxy of `objects` objects (`GenObj_000001` ...) with
    /// `attributes_per_object` attributes each (`Attr_0001` ...), spread over
    /// [`GENERATED_AREAS`] areas, all scanning every `scan_period_ms` (at least 1).
    /// Security is disabled.
    pub fn generated(
        objects: usize,
        attributes_per_object: usize,
        scan_period_ms: u64,
    ) -> GalaxyModel {
        let scan_period_ms = scan_period_ms.max(1);
        let areas: Vec<AreaDef> = (1..=GENERATED_AREAS)
            .map(|a| AreaDef {
                name: format!("GenArea_{a:02}"),
                engine: Some("GenEngine_01".into()),
                parent: None,
            })
            .collect();
        let objects = (1..=objects)
            .map(|n| ObjectDef {
                tag_name: generated_tag_name(n),
                template: Some(GENERATED_TEMPLATE.into()),
                area: Some(areas[(n - 1) % GENERATED_AREAS].name.clone()),
                container: None,
                contained_name: None,
                scan_period_ms: None,
                description: None,
                attributes: Vec::new(),
            })
            .collect();
        GalaxyModel {
            galaxy: "Generated".into(),
            security_enabled: false,
            default_scan_period_ms: Some(scan_period_ms),
            users: Vec::new(),
            platforms: vec![PlatformDef {
                name: "GenPlatform_01".into(),
                node: Some("localhost".into()),
            }],
            engines: vec![EngineDef {
                name: "GenEngine_01".into(),
                platform: Some("GenPlatform_01".into()),
            }],
            areas,
            templates: vec![TemplateDef {
                name: GENERATED_TEMPLATE.into(),
                derived_from: None,
                scan_period_ms: Some(scan_period_ms),
                description: Some("Generated benchmark object".into()),
                attributes: (1..=attributes_per_object)
                    .map(|n| generated_attribute(n, scan_period_ms))
                    .collect(),
            }],
            objects,
        }
    }
}
