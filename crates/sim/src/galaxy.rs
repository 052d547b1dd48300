//! The compiled galaxy: the model validated and flattened into objects, shared
//! attribute schemas and numbered points, ready for the runtime.
//!
//! Layout choices serve large galaxies (a million attributes):
//! - every instance of a template without own attributes shares one `Arc<Schema>`,
//!   so per-attribute metadata exists once per template, not once per instance;
//! - an object's points are contiguous (`first_point + attribute index`), so a point
//!   needs no back-pointer and runtime state is one flat `Vec`;
//! - scan work is grouped by period up front, listing only points whose generator
//!   is not static.
//!
//! The compiled galaxy is immutable; a later deploy builds a new one and swaps it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use mxgateway_mx::{DataType, MxValue, SecurityClassification};

use crate::alarms::{compile_alarms, number_alarms, AlarmField, AlarmMeta};
use crate::convert::{toml_to_value, Repr};
use crate::error::ModelError;
use crate::generator::Generator;
use crate::model::{AttributeDef, GalaxyModel, GeneratorDef};
use crate::reference::ATTRIBUTE_LIST;
use crate::security::Users;

pub(crate) type ObjectId = u32;
pub(crate) type PointId = u32;

/// Scan period when neither the attribute, its object, its templates nor the galaxy set one.
pub const DEFAULT_SCAN_PERIOD_MS: u64 = 1000;

/// The longest identifier (tag name, contained name, attribute name part) ArchestrA accepts.
pub const MAX_IDENTIFIER_LEN: usize = 32;

/// The largest array length (the reference grammar's index limit).
pub const MAX_ARRAY_LEN: u32 = 32_767;

/// Reference keywords that cannot be used as names (case-insensitive).
pub(crate) const RESERVED_WORDS: [&str; 7] = [
    "Me",
    "MyArea",
    "MyContainer",
    "MyEngine",
    "MyHost",
    "MyPlatform",
    "System",
];

/// The name of the built-in on-scan attribute every object has.
pub const SCAN_STATE: &str = "ScanState";

/// What an object is in the deployment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ObjectKind {
    Platform,
    Engine,
    Area,
    ApplicationObject,
}

/// Attributes whose value the runtime maintains itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    ScanState,
    /// A sub-attribute of alarm `alarm` (an index into `Schema::alarms`).
    Alarm {
        alarm: u16,
        field: AlarmField,
    },
}

/// One attribute as the runtime needs it.
#[derive(Debug)]
pub(crate) struct AttrMeta {
    pub name: Box<str>,
    pub data_type: DataType,
    pub repr: Repr,
    pub array_len: Option<u32>,
    pub security: SecurityClassification,
    pub writable: bool,
    pub initial: MxValue,
    pub generator: Generator,
    pub scan_period_ms: u64,
    pub builtin: Option<Builtin>,
    /// The alarms (indexes into `Schema::alarms`) whose condition watches this
    /// attribute; empty for almost every attribute.
    pub alarm_sources: Box<[u16]>,
}

/// The attributes of an object, shared between instances where possible.
#[derive(Debug)]
pub(crate) struct Schema {
    pub attrs: Vec<AttrMeta>,
    /// Lower-cased name → index.
    index: HashMap<Box<str>, u16>,
    /// The alarm primitives, whose sub-attributes are in `attrs`.
    pub alarms: Vec<AlarmMeta>,
    /// Lower-cased alarm name → index into `alarms`.
    alarm_index: HashMap<Box<str>, u16>,
}

impl Schema {
    /// Finds an attribute by name, case-insensitively.
    pub(crate) fn find(&self, name: &str) -> Option<u16> {
        self.index.get(name.to_ascii_lowercase().as_str()).copied()
    }

    /// Finds an alarm primitive by name (`Level.Hi`), case-insensitively.
    pub(crate) fn find_alarm(&self, name: &str) -> Option<u16> {
        self.alarm_index
            .get(name.to_ascii_lowercase().as_str())
            .copied()
    }
}

#[derive(Debug)]
pub(crate) struct Object {
    pub tag_name: Box<str>,
    /// The name inside the container (the tag name for top-level objects); read by
    /// reference resolution through `children`, kept here for browse output.
    #[allow(dead_code)]
    pub contained_name: Box<str>,
    pub kind: ObjectKind,
    pub container: Option<ObjectId>,
    pub area: Option<ObjectId>,
    pub host: Option<ObjectId>,
    pub schema: Arc<Schema>,
    pub first_point: PointId,
    /// The object's alarms are `first_alarm + index into schema.alarms` in the
    /// runtime's alarm table.
    pub first_alarm: u32,
}

impl Object {
    /// The objects whose scan state this object's depends on.
    pub(crate) fn scan_parents(&self) -> impl Iterator<Item = ObjectId> {
        [self.container, self.host, self.area].into_iter().flatten()
    }
}

/// Most points one scan slice executes (see [`ScanGroup::slices`]).
pub(crate) const SCAN_SLICE_POINTS: usize = 256;

/// Points that change on their own with one scan period.
#[derive(Debug)]
pub(crate) struct ScanGroup {
    pub period_ms: u64,
    /// In object order, so an object's points are contiguous.
    pub points: Vec<(PointId, ObjectId)>,
    /// Where each slice of a scan starts in `points` (the first is 0).
    ///
    /// An engine executes its objects one after another through the scan period,
    /// so a large galaxy's changes do not all carry one timestamp and arrive as one
    /// burst. A group of more than [`SCAN_SLICE_POINTS`] points is cut, at object
    /// boundaries, into slices of about that many points (at most one per
    /// millisecond of the period), and slice `k` of `n` executes `k/n` of the way
    /// through the period. Every point still executes exactly once per scan, and
    /// small groups (every hand-written galaxy) execute in one slice.
    pub slices: Vec<usize>,
}

impl ScanGroup {
    pub(crate) fn new(period_ms: u64, points: Vec<(PointId, ObjectId)>) -> ScanGroup {
        let wanted = points
            .len()
            .div_ceil(SCAN_SLICE_POINTS)
            .min(usize::try_from(period_ms).unwrap_or(usize::MAX))
            .max(1);
        let per_slice = points.len().div_ceil(wanted).max(1);
        let mut slices = vec![0];
        let mut i = per_slice;
        while i < points.len() {
            // Move the cut forward to the next object boundary.
            while i < points.len() && points[i].1 == points[i - 1].1 {
                i += 1;
            }
            if i < points.len() {
                slices.push(i);
            }
            i += per_slice;
        }
        ScanGroup {
            period_ms,
            points,
            slices,
        }
    }

    /// The points of slice `k`.
    pub(crate) fn slice(&self, k: usize) -> &[(PointId, ObjectId)] {
        let start = self.slices[k];
        let end = self.slices.get(k + 1).copied().unwrap_or(self.points.len());
        &self.points[start..end]
    }
}

pub(crate) struct Galaxy {
    pub name: String,
    pub security_enabled: bool,
    pub users: Users,
    pub objects: Vec<Object>,
    /// Lower-cased tag name → object.
    by_tag: HashMap<Box<str>, ObjectId>,
    /// (container, lower-cased contained name) → object. An area counts as the
    /// container of the objects and sub-areas assigned to it that have no container
    /// of their own, so `Area.Object.Attr` and `MyArea.Object.Attr` resolve.
    children: HashMap<(ObjectId, Box<str>), ObjectId>,
    pub point_count: u32,
    /// Alarms of all objects.
    pub alarm_count: u32,
    pub scan_groups: Vec<ScanGroup>,
    /// Every object after all objects it depends on for scan state.
    pub topo_order: Vec<ObjectId>,
}

impl Galaxy {
    pub(crate) fn object_by_tag(&self, tag: &str) -> Option<ObjectId> {
        self.by_tag.get(tag.to_ascii_lowercase().as_str()).copied()
    }

    pub(crate) fn child(&self, parent: ObjectId, contained_name: &str) -> Option<ObjectId> {
        self.children
            .get(&(parent, contained_name.to_ascii_lowercase().into_boxed_str()))
            .copied()
    }

    pub(crate) fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id as usize]
    }
}

// === compilation ===

/// A template's attributes with the template chain merged in, and its scan period.
#[derive(Clone)]
struct MergedTemplate {
    attributes: Vec<AttributeDef>,
    scan_period_ms: Option<u64>,
}

/// Overlays `over` on `base`: every property `over` sets wins.
fn merge_attribute(base: &mut AttributeDef, over: &AttributeDef) {
    macro_rules! take {
        ($($f:ident),*) => { $( if over.$f.is_some() { base.$f = over.$f.clone(); } )* };
    }
    take!(
        data_type,
        array,
        security,
        writable,
        value,
        generator,
        scan_period_ms,
        description,
        alarms
    );
}

fn merge_attributes(base: &mut Vec<AttributeDef>, overs: &[AttributeDef]) {
    let mut index: HashMap<String, usize> = base
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
        .collect();
    for over in overs {
        let key = over.name.to_ascii_lowercase();
        match index.get(&key) {
            Some(&i) => merge_attribute(&mut base[i], over),
            None => {
                index.insert(key, base.len());
                base.push(over.clone());
            }
        }
    }
}

fn check_identifier(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what}: empty name"));
    }
    if name.chars().count() > MAX_IDENTIFIER_LEN {
        return Err(format!(
            "{what} {name:?}: longer than {MAX_IDENTIFIER_LEN} characters"
        ));
    }
    if name
        .chars()
        .any(|c| c == '.' || c == '[' || c == ']' || c == '!' || c.is_whitespace())
    {
        return Err(format!(
            "{what} {name:?}: names cannot contain '.', '[', ']', '!' or whitespace"
        ));
    }
    if RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(name)) {
        return Err(format!("{what} {name:?}: a reserved word"));
    }
    Ok(())
}

fn check_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an attribute has an empty name".into());
    }
    for part in name.split('.') {
        if part.is_empty()
            || part.chars().count() > MAX_IDENTIFIER_LEN
            || part
                .chars()
                .any(|c| c == '[' || c == ']' || c == '!' || c.is_whitespace())
        {
            return Err(format!(
                "attribute {name:?}: each dotted part needs 1..={MAX_IDENTIFIER_LEN} characters without '[', ']', '!' or whitespace"
            ));
        }
    }
    if name.eq_ignore_ascii_case(SCAN_STATE) {
        return Err(format!("attribute {name:?}: {SCAN_STATE} is built in"));
    }
    if name.eq_ignore_ascii_case(ATTRIBUTE_LIST) {
        return Err(format!("attribute {name:?}: {ATTRIBUTE_LIST} is built in"));
    }
    Ok(())
}

fn builtin_attributes() -> Vec<AttrMeta> {
    vec![AttrMeta {
        name: SCAN_STATE.into(),
        data_type: DataType::Boolean,
        repr: Repr::Bool,
        array_len: None,
        security: SecurityClassification::ViewOnly,
        writable: false,
        initial: MxValue::Bool(true),
        generator: Generator::Static,
        scan_period_ms: DEFAULT_SCAN_PERIOD_MS,
        builtin: Some(Builtin::ScanState),
        alarm_sources: Box::default(),
    }]
}

/// Compiles merged attribute definitions into a schema; problems are prefixed with `owner`.
fn compile_schema(
    owner: &str,
    defs: &[AttributeDef],
    default_period: u64,
    problems: &mut Vec<String>,
) -> Arc<Schema> {
    let mut attrs = builtin_attributes();
    let mut with_alarms = Vec::new();
    for def in defs {
        match compile_attribute(def, default_period) {
            Ok(meta) => {
                if def.alarms.is_some() {
                    with_alarms.push((def, attrs.len()));
                }
                attrs.push(meta);
            }
            Err(e) => problems.push(format!("{owner}: attribute {:?}: {e}", def.name)),
        }
    }
    // Alarm sub-attributes come after every declared attribute.
    let mut alarms = Vec::new();
    for (def, source) in with_alarms {
        let Some(alarms_def) = &def.alarms else {
            continue;
        };
        if source >= usize::from(u16::MAX) {
            continue; // Reported below as too many attributes.
        }
        if let Err(e) = compile_alarms(def, alarms_def, source as u16, &mut attrs, &mut alarms) {
            problems.push(format!("{owner}: attribute {:?}: {e}", def.name));
        }
    }
    if attrs.len() > usize::from(u16::MAX) {
        problems.push(format!("{owner}: more than {} attributes", u16::MAX));
        attrs.truncate(usize::from(u16::MAX));
        alarms.clear();
    }
    number_alarms(&mut attrs, &alarms);
    let mut index: HashMap<Box<str>, u16> = HashMap::with_capacity(attrs.len());
    for (i, a) in attrs.iter().enumerate() {
        if index
            .insert(a.name.to_ascii_lowercase().into_boxed_str(), i as u16)
            .is_some()
            && a.builtin.is_some()
        {
            problems.push(format!(
                "{owner}: alarm attribute {:?} is also declared as an attribute",
                a.name
            ));
        }
    }
    let alarm_index = alarms
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.to_ascii_lowercase().into_boxed_str(), i as u16))
        .collect();
    Arc::new(Schema {
        attrs,
        index,
        alarms,
        alarm_index,
    })
}

fn compile_attribute(def: &AttributeDef, default_period: u64) -> Result<AttrMeta, String> {
    check_attribute_name(&def.name)?;
    let type_name = def
        .data_type
        .as_deref()
        .ok_or("no type (set `type`, e.g. \"Double\")")?;
    let data_type =
        DataType::from_name(type_name).ok_or_else(|| format!("unknown type {type_name:?}"))?;
    let repr = Repr::of(data_type)
        .ok_or_else(|| format!("type {type_name} is not supported by the simulator"))?;
    if let Some(n) = def.array {
        if n == 0 || n > MAX_ARRAY_LEN {
            return Err(format!("array length must be 1..={MAX_ARRAY_LEN}"));
        }
    }
    let security = match &def.security {
        None => SecurityClassification::FreeAccess,
        Some(s) => SecurityClassification::from_name(s)
            .ok_or_else(|| format!("unknown security classification {s:?}"))?,
    };
    let array = def.array.map(|n| n as usize);
    let initial = match (&def.value, array) {
        (Some(v), _) => toml_to_value(v, repr, array).map_err(|e| format!("value: {e}"))?,
        (None, Some(n)) => repr.zero_array(n),
        (None, None) => repr.zero(),
    };
    let generator = Generator::compile(
        def.generator.as_ref().unwrap_or(&GeneratorDef::Static),
        repr,
        array.is_some(),
    )?;
    let scan_period_ms = def.scan_period_ms.unwrap_or(default_period);
    if scan_period_ms == 0 {
        return Err("scan_period_ms must be > 0".into());
    }
    Ok(AttrMeta {
        name: def.name.clone().into_boxed_str(),
        data_type,
        repr,
        array_len: def.array,
        security,
        writable: def.writable.unwrap_or(true) && security != SecurityClassification::ViewOnly,
        initial,
        generator,
        scan_period_ms,
        builtin: None,
        alarm_sources: Box::default(),
    })
}

/// Walks `parent` links from `start`; `Err` on a cycle or a chain deeper than the galaxy.
fn chain_depth(start: usize, parent: &[Option<usize>]) -> Result<usize, ()> {
    let mut depth = 0;
    let mut cur = start;
    while let Some(p) = parent[cur] {
        depth += 1;
        if depth > parent.len() {
            return Err(());
        }
        cur = p;
    }
    Ok(depth)
}

impl Galaxy {
    /// Validates and compiles a model; every problem is reported, prefixed by its place.
    pub(crate) fn compile(model: &GalaxyModel, origin: &str) -> Result<Galaxy, ModelError> {
        let mut problems = Vec::new();
        if model.galaxy.trim().is_empty() {
            problems.push("galaxy: the galaxy name is empty".into());
        }
        let default_period = model
            .default_scan_period_ms
            .unwrap_or(DEFAULT_SCAN_PERIOD_MS);
        if default_period == 0 {
            problems.push("default_scan_period_ms must be > 0".into());
        }
        let users = Users::compile(&model.users, &mut problems);
        if model.security_enabled && users.len() == 0 {
            problems.push("security_enabled is true but there are no users".into());
        }

        // Templates: names, inheritance, merged attributes.
        let mut template_index: HashMap<String, usize> = HashMap::new();
        for (i, t) in model.templates.iter().enumerate() {
            if !t.name.starts_with('$') || t.name.len() < 2 {
                problems.push(format!(
                    "template {:?}: template names start with '$'",
                    t.name
                ));
            } else if let Err(e) = check_identifier("template", &t.name[1..]) {
                problems.push(e);
            }
            if template_index
                .insert(t.name.to_ascii_lowercase(), i)
                .is_some()
            {
                problems.push(format!("template {:?}: defined twice", t.name));
            }
        }
        let mut template_parent: Vec<Option<usize>> = vec![None; model.templates.len()];
        for (i, t) in model.templates.iter().enumerate() {
            if let Some(base) = &t.derived_from {
                match template_index.get(&base.to_ascii_lowercase()) {
                    Some(&b) => template_parent[i] = Some(b),
                    None => problems.push(format!(
                        "template {:?}: derived_from {base:?} is not a template",
                        t.name
                    )),
                }
            }
        }
        let mut merged: Vec<Option<MergedTemplate>> = vec![None; model.templates.len()];
        let mut template_schemas: Vec<Option<Arc<Schema>>> = vec![None; model.templates.len()];
        // Process templates base-first so each merge finds its parent done.
        let mut order: Vec<(usize, usize)> = Vec::new();
        for i in 0..model.templates.len() {
            match chain_depth(i, &template_parent) {
                Ok(d) => order.push((d, i)),
                Err(()) => problems.push(format!(
                    "template {:?}: derived_from forms a cycle",
                    model.templates[i].name
                )),
            }
        }
        order.sort_unstable();
        for &(_, i) in &order {
            let t = &model.templates[i];
            let mut m = match template_parent[i] {
                Some(p) => match &merged[p] {
                    Some(m) => m.clone(),
                    None => continue,
                },
                None => MergedTemplate {
                    attributes: Vec::new(),
                    scan_period_ms: None,
                },
            };
            merge_attributes(&mut m.attributes, &t.attributes);
            if t.scan_period_ms.is_some() {
                m.scan_period_ms = t.scan_period_ms;
            }
            let period = m.scan_period_ms.unwrap_or(default_period);
            template_schemas[i] = Some(compile_schema(
                &format!("template {:?}", t.name),
                &m.attributes,
                period,
                &mut problems,
            ));
            merged[i] = Some(m);
        }

        // Objects: the deployment model first, then instances.
        struct Pending {
            tag: String,
            contained: String,
            kind: ObjectKind,
            container: Option<usize>,
            area: Option<usize>,
            host: Option<usize>,
            schema: Option<Arc<Schema>>,
        }
        let mut pending: Vec<Pending> = Vec::new();
        let mut by_tag: HashMap<Box<str>, ObjectId> = HashMap::new();
        let builtin_schema = compile_schema("builtin", &[], default_period, &mut problems);
        let mut register = |pending: &mut Vec<Pending>,
                            problems: &mut Vec<String>,
                            what: &str,
                            tag: &str,
                            kind: ObjectKind| {
            if let Err(e) = check_identifier(what, tag) {
                problems.push(e);
            }
            if tag.starts_with('$') {
                problems.push(format!("{what} {tag:?}: only templates start with '$'"));
            }
            let key = tag.to_ascii_lowercase().into_boxed_str();
            if by_tag.insert(key, pending.len() as ObjectId).is_some() {
                problems.push(format!("{what} {tag:?}: the tag name is used twice"));
            }
            pending.push(Pending {
                tag: tag.to_string(),
                contained: tag.to_string(),
                kind,
                container: None,
                area: None,
                host: None,
                schema: Some(builtin_schema.clone()),
            });
            pending.len() - 1
        };
        let platform_ids: Vec<usize> = model
            .platforms
            .iter()
            .map(|p| {
                register(
                    &mut pending,
                    &mut problems,
                    "platform",
                    &p.name,
                    ObjectKind::Platform,
                )
            })
            .collect();
        let engine_ids: Vec<usize> = model
            .engines
            .iter()
            .map(|e| {
                register(
                    &mut pending,
                    &mut problems,
                    "engine",
                    &e.name,
                    ObjectKind::Engine,
                )
            })
            .collect();
        let area_ids: Vec<usize> = model
            .areas
            .iter()
            .map(|a| {
                register(
                    &mut pending,
                    &mut problems,
                    "area",
                    &a.name,
                    ObjectKind::Area,
                )
            })
            .collect();
        let object_ids: Vec<usize> = model
            .objects
            .iter()
            .map(|o| {
                register(
                    &mut pending,
                    &mut problems,
                    "object",
                    &o.tag_name,
                    ObjectKind::ApplicationObject,
                )
            })
            .collect();
        let _ = platform_ids;
        let lookup = |name: &str, kind: ObjectKind, pending: &[Pending]| -> Option<usize> {
            by_tag
                .get(name.to_ascii_lowercase().as_str())
                .map(|&id| id as usize)
                .filter(|&id| pending[id].kind == kind)
        };
        for (e, &id) in model.engines.iter().zip(&engine_ids) {
            if let Some(p) = &e.platform {
                match lookup(p, ObjectKind::Platform, &pending) {
                    Some(pid) => pending[id].host = Some(pid),
                    None => problems.push(format!(
                        "engine {:?}: platform {p:?} is not a platform",
                        e.name
                    )),
                }
            }
        }
        for (a, &id) in model.areas.iter().zip(&area_ids) {
            if let Some(e) = &a.engine {
                match lookup(e, ObjectKind::Engine, &pending) {
                    Some(eid) => pending[id].host = Some(eid),
                    None => {
                        problems.push(format!("area {:?}: engine {e:?} is not an engine", a.name))
                    }
                }
            }
            if let Some(p) = &a.parent {
                match lookup(p, ObjectKind::Area, &pending) {
                    Some(pid) => pending[id].area = Some(pid),
                    None => {
                        problems.push(format!("area {:?}: parent {p:?} is not an area", a.name))
                    }
                }
            }
        }
        for (o, &id) in model.objects.iter().zip(&object_ids) {
            let what = format!("object {:?}", o.tag_name);
            if let Some(c) = &o.container {
                match lookup(c, ObjectKind::ApplicationObject, &pending) {
                    Some(cid) => pending[id].container = Some(cid),
                    None => problems.push(format!("{what}: container {c:?} is not an object")),
                }
            }
            if let Some(a) = &o.area {
                match lookup(a, ObjectKind::Area, &pending) {
                    Some(aid) => pending[id].area = Some(aid),
                    None => problems.push(format!("{what}: area {a:?} is not an area")),
                }
            }
            if let Some(cn) = &o.contained_name {
                if let Err(e) = check_identifier(&format!("{what}: contained_name"), cn) {
                    problems.push(e);
                }
                pending[id].contained = cn.clone();
            }
            // The schema: shared with the template unless the instance changes it.
            let template = match &o.template {
                Some(t) => match template_index.get(&t.to_ascii_lowercase()) {
                    Some(&ti) => Some(ti),
                    None => {
                        problems.push(format!("{what}: template {t:?} is not a template"));
                        None
                    }
                },
                None => None,
            };
            let shared = template.and_then(|ti| template_schemas[ti].clone());
            let schema = if o.attributes.is_empty() && o.scan_period_ms.is_none() {
                match (template, shared) {
                    (Some(_), Some(s)) => Some(s),
                    (Some(_), None) => None, // The template's own problem is reported already.
                    (None, _) => Some(builtin_schema.clone()),
                }
            } else {
                let (mut attrs, tperiod) = match template.and_then(|ti| merged[ti].as_ref()) {
                    Some(m) => (m.attributes.clone(), m.scan_period_ms),
                    None => (Vec::new(), None),
                };
                merge_attributes(&mut attrs, &o.attributes);
                let period = o.scan_period_ms.or(tperiod).unwrap_or(default_period);
                Some(compile_schema(&what, &attrs, period, &mut problems))
            };
            pending[id].schema = schema;
        }

        // Containment must be acyclic; contained objects default to their container's area.
        let containers: Vec<Option<usize>> = pending.iter().map(|p| p.container).collect();
        let area_parents: Vec<Option<usize>> = pending
            .iter()
            .map(|p| (p.kind == ObjectKind::Area).then_some(p.area).flatten())
            .collect();
        let mut depth = vec![0usize; pending.len()];
        for i in 0..pending.len() {
            let d =
                chain_depth(i, &containers).and_then(|c| Ok(c + chain_depth(i, &area_parents)?));
            match d {
                Ok(d) => depth[i] = d,
                Err(()) => problems.push(format!(
                    "{:?}: its container (or parent area) chain forms a cycle",
                    pending[i].tag
                )),
            }
        }
        if !problems.is_empty() {
            return Err(ModelError::Invalid {
                origin: origin.to_string(),
                problems,
            });
        }
        let mut order: Vec<usize> = (0..pending.len()).collect();
        order.sort_by_key(|&i| (pending[i].kind, depth[i]));
        for &i in &order {
            if pending[i].kind == ObjectKind::ApplicationObject {
                if let (None, Some(c)) = (pending[i].area, pending[i].container) {
                    pending[i].area = pending[c].area;
                }
                pending[i].host = pending[i].area;
            }
        }
        let mut children = HashMap::new();
        for (i, p) in pending.iter().enumerate() {
            if let Some(c) = p.container {
                let key = (
                    c as ObjectId,
                    p.contained.to_ascii_lowercase().into_boxed_str(),
                );
                if children.insert(key, i as ObjectId).is_some() {
                    problems.push(format!(
                        "object {:?}: contained name {:?} is used twice in {:?}",
                        p.tag, p.contained, pending[c].tag
                    ));
                }
            }
        }

        // Area members come after real containment, so a contained name always wins;
        // tag names are unique, so members of one area cannot collide among
        // themselves unless a contained name repeats another member's tag name, in
        // which case the first one keeps the name.
        for (i, p) in pending.iter().enumerate() {
            let member_of = match p.kind {
                ObjectKind::ApplicationObject if p.container.is_none() => p.area,
                ObjectKind::Area => p.area,
                _ => None,
            };
            if let Some(a) = member_of {
                let key = (
                    a as ObjectId,
                    p.contained.to_ascii_lowercase().into_boxed_str(),
                );
                children.entry(key).or_insert(i as ObjectId);
            }
        }

        // Number the points and group scan work by period.
        let mut objects = Vec::with_capacity(pending.len());
        let mut next_point: u64 = 0;
        let mut next_alarm: u64 = 0;
        let mut groups: BTreeMap<u64, Vec<(PointId, ObjectId)>> = BTreeMap::new();
        for (i, p) in pending.into_iter().enumerate() {
            let schema = p.schema.expect("schemas exist when there are no problems");
            let first_point = next_point;
            next_point += schema.attrs.len() as u64;
            let first_alarm = next_alarm;
            next_alarm += schema.alarms.len() as u64;
            if next_point > u64::from(u32::MAX) {
                problems.push("the galaxy has more than 2^32 attributes".into());
                break;
            }
            for (a, meta) in schema.attrs.iter().enumerate() {
                if !meta.generator.is_static() {
                    groups
                        .entry(meta.scan_period_ms)
                        .or_default()
                        .push(((first_point + a as u64) as PointId, i as ObjectId));
                }
            }
            objects.push(Object {
                tag_name: p.tag.into_boxed_str(),
                contained_name: p.contained.into_boxed_str(),
                kind: p.kind,
                container: p.container.map(|c| c as ObjectId),
                area: p.area.map(|a| a as ObjectId),
                host: p.host.map(|h| h as ObjectId),
                schema,
                first_point: first_point as PointId,
                first_alarm: first_alarm as u32,
            });
        }
        if !problems.is_empty() {
            return Err(ModelError::Invalid {
                origin: origin.to_string(),
                problems,
            });
        }
        Ok(Galaxy {
            name: model.galaxy.clone(),
            security_enabled: model.security_enabled,
            users,
            objects,
            by_tag,
            children,
            point_count: next_point as u32,
            // Every alarm has at least nine points, so this fits when points do.
            alarm_count: next_alarm as u32,
            scan_groups: groups
                .into_iter()
                .map(|(period_ms, mut points)| {
                    // Growth by doubling may have left up to half unused.
                    points.shrink_to_fit();
                    ScanGroup::new(period_ms, points)
                })
                .collect(),
            topo_order: order.into_iter().map(|i| i as ObjectId).collect(),
        })
    }
}
