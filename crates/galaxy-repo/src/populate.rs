//! Writes a simulated galaxy model into the ZB-shaped schema, the way System Platform
//! would store the same galaxy.
//!
//! What a real galaxy looks like, and so what this writes:
//! - **Base templates.** `$WinPlatform` (category 1), `$AppEngine` (3), `$Area` (13) and
//!   `$UserDefined` (10) are template gobjects, each the base of one
//!   `template_definition` row. A model that defines `$UserDefined` itself (the demo
//!   does) supplies that template, attributes included.
//! - **Templates** are gobjects with `is_template = 1`, their `$` names and the
//!   `$UserDefined` template definition; `derived_from_gobject_id` mirrors the model's
//!   `derived_from` (0 for a root template), so browse shows the model's own chains.
//! - **Instances.** Platforms, engines and areas derive from their base templates;
//!   objects from their model template, or from `$UserDefined` when they name none.
//!   Every instance is deployed (`deployed_package_id` is its package).
//! - **Packages.** Every gobject has one package, derived from its template's package
//!   (`package.derived_from_package_id`), so an instance's package chain runs through
//!   its whole template chain.
//! - **Attributes** (`dynamic_attribute`) live in the package that declares them: a
//!   template's attributes in the template's package, an instance's new attributes in
//!   its own. An override (same name, case-insensitively) writes a row in the
//!   overriding package with the merged metadata and the original name; the query
//!   takes the nearest package's row.
//! - **Containment.** A contained object has `contained_by_gobject_id`, its
//!   `contained_name` (the model's, else its tag name) and
//!   `hierarchical_name = <container's hierarchical_name>.<contained_name>`; an
//!   uncontained object has an empty `contained_name` and its tag name as
//!   `hierarchical_name`. Areas are not part of hierarchical names: MXAccess resolves
//!   `Tank_001.InletValve.PV`, not `TankFarm.Tank_001.InletValve.PV`
//!   (`mxaccess-semantics.md` §5), and neither does the simulator.
//! - **Areas and hosts.** `area_gobject_id` is the object's area (a contained object
//!   without one inherits its container's), a sub-area's parent area, 0 otherwise.
//!   `hosted_by_gobject_id` follows the simulator's host rule: an object is hosted by
//!   its area, an area by its engine, an engine by its platform.
//! - **Extensions.** An attribute with an alarm or history flag gets a
//!   `primitive_instance` named after it, of the `AlarmExtension` or
//!   `HistoryExtension` definition, in the package that declares the flag. The model
//!   has no such flags yet: [`declared_extensions`] is the one place to map them.
//!
//! Ids are assigned in a fixed order (base templates, templates parents first,
//! platforms, engines, areas, objects containers first; model order otherwise), so the
//! same model always gives the same database. Package ids are offset from gobject ids
//! so that a query joining the wrong id finds nothing rather than the right row.

use std::collections::{HashMap, HashSet};

use mxgateway_mx::{DataType, SecurityClassification, Timestamp};
use mxgateway_sim::{AttributeDef, GalaxyModel};
use rusqlite::{params, Connection};

use crate::schema::{self, NAMESPACE_AUTOMATION_OBJECT, USER_DEFINED_PRIMITIVE_ID};
use crate::types::category;
use crate::{time, Error};

/// Builds an in-memory ZB database of `model`, last deployed at `time_of_last_deploy`.
pub fn build_sqlite(
    model: &GalaxyModel,
    time_of_last_deploy: Option<Timestamp>,
) -> Result<Connection, Error> {
    let mut conn = Connection::open_in_memory()?;
    write_galaxy(&mut conn, model, time_of_last_deploy)?;
    Ok(conn)
}

/// Creates the schema in an empty database (in memory or a file) and writes `model`
/// into it, in one transaction.
pub fn write_galaxy(
    conn: &mut Connection,
    model: &GalaxyModel,
    time_of_last_deploy: Option<Timestamp>,
) -> Result<(), Error> {
    let plan = Plan::new(model)?;
    let tx = conn.transaction()?;
    tx.execute_batch(schema::DDL)?;
    plan.insert(&tx, time_of_last_deploy)?;
    tx.commit()?;
    Ok(())
}

/// Whether an attribute carries an alarm or a history extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Extensions {
    pub alarm: bool,
    pub history: bool,
}

/// The extensions an attribute definition declares itself, or `None` to inherit them.
///
/// An `alarms` table (any condition) declares the alarm extension; an
/// override that sets no `alarms` inherits. The model has no historize flag
/// yet, so `history` stays false.
pub(crate) fn declared_extensions(def: &AttributeDef) -> Option<Extensions> {
    def.alarms.as_ref().map(|a| Extensions {
        alarm: a.hihi.is_some()
            || a.hi.is_some()
            || a.lo.is_some()
            || a.lolo.is_some()
            || a.discrete.is_some(),
        history: false,
    })
}

// === the plan: every row, computed before anything is written ===

/// Package ids are gobject ids plus this offset.
const PACKAGE_ID_OFFSET: i32 = 1_000_000;

/// `template_definition` rows: id, base template tag name, category.
const TEMPLATE_DEFINITIONS: [(i32, &str, i32); 4] = [
    (TD_PLATFORM, "$WinPlatform", category::PLATFORM),
    (TD_ENGINE, "$AppEngine", category::APPLICATION_ENGINE),
    (TD_AREA, "$Area", category::AREA),
    (
        TD_USER_DEFINED,
        "$UserDefined",
        category::APPLICATION_OBJECT,
    ),
];
const TD_PLATFORM: i32 = 1;
const TD_ENGINE: i32 = 2;
const TD_AREA: i32 = 3;
const TD_USER_DEFINED: i32 = 4;

struct GobjectRow {
    template_definition_id: i32,
    derived_from: i32,
    contained_by: i32,
    area: i32,
    hosted_by: i32,
    tag_name: String,
    contained_name: String,
    hierarchical_name: String,
    is_template: bool,
    hosting_tree_level: i32,
}

struct AttributeRow {
    /// Index into `Plan::gobjects` of the package owner.
    owner: usize,
    mx_attribute_id: i32,
    meta: AttrMeta,
}

/// An attribute's metadata after merging a definition over what it inherits.
#[derive(Clone)]
struct AttrMeta {
    /// The name as first declared (overrides keep it, whatever their casing).
    name: String,
    data_type: DataType,
    array: Option<u32>,
    security: SecurityClassification,
    writable: bool,
    extensions: Extensions,
}

/// Effective attributes of a template, by lower-cased name.
type AttrTable = HashMap<String, AttrMeta>;

struct Plan<'m> {
    model: &'m GalaxyModel,
    gobjects: Vec<GobjectRow>,
    attributes: Vec<AttributeRow>,
    /// Base gobject index per template definition id (1-based ids, index 0 unused).
    bases: [usize; 5],
    problems: Vec<String>,
}

impl<'m> Plan<'m> {
    fn new(model: &'m GalaxyModel) -> Result<Plan<'m>, Error> {
        let mut plan = Plan {
            model,
            gobjects: Vec::new(),
            attributes: Vec::new(),
            bases: [0; 5],
            problems: Vec::new(),
        };
        let templates = plan.add_templates();
        plan.add_instances(&templates);
        plan.check_unique_tag_names();
        if plan.problems.is_empty() {
            Ok(plan)
        } else {
            Err(Error::Model(plan.problems.join("; ")))
        }
    }

    fn gobject_id(index: usize) -> i32 {
        i32::try_from(index + 1).unwrap_or(i32::MAX)
    }

    fn package_id(index: usize) -> i32 {
        Self::gobject_id(index).saturating_add(PACKAGE_ID_OFFSET)
    }

    fn push(&mut self, row: GobjectRow) -> usize {
        self.gobjects.push(row);
        self.gobjects.len() - 1
    }

    fn base_template(&mut self, definition_id: i32, tag_name: &str) -> usize {
        let index = self.push(GobjectRow {
            template_definition_id: definition_id,
            derived_from: 0,
            contained_by: 0,
            area: 0,
            hosted_by: 0,
            tag_name: tag_name.to_string(),
            contained_name: String::new(),
            hierarchical_name: tag_name.to_string(),
            is_template: true,
            hosting_tree_level: 0,
        });
        self.bases[definition_id as usize] = index;
        index
    }

    /// Adds the base templates and the model's templates; returns each template's
    /// gobject index and effective attributes, by lower-cased name.
    fn add_templates(&mut self) -> HashMap<String, (usize, AttrTable)> {
        let model = self.model;
        let mut result: HashMap<String, (usize, AttrTable)> = HashMap::new();
        for (id, name, _) in TEMPLATE_DEFINITIONS {
            let defined_by_model = model
                .templates
                .iter()
                .any(|t| t.name.eq_ignore_ascii_case(name));
            if id == TD_USER_DEFINED && defined_by_model {
                continue;
            }
            if defined_by_model {
                self.problems.push(format!(
                    "template {name} is reserved for the base template of its category"
                ));
            }
            let index = self.base_template(id, name);
            result.insert(name.to_lowercase(), (index, AttrTable::new()));
        }

        let by_name = index_by_name(model.templates.iter().map(|t| t.name.as_str()));
        let parents: Vec<Option<usize>> = model
            .templates
            .iter()
            .map(|t| {
                let parent = t.derived_from.as_deref()?;
                let found = by_name.get(&parent.to_lowercase()).copied();
                if found.is_none() {
                    self.problems.push(format!(
                        "template {}: derived from unknown template {parent}",
                        t.name
                    ));
                }
                found
            })
            .collect();
        let (order, cyclic) = parents_first(&parents);
        for i in cyclic {
            self.problems.push(format!(
                "template {}: its derived_from chain is a cycle",
                model.templates[i].name
            ));
        }
        for i in order {
            let def = &model.templates[i];
            let (derived_from, inherited) = match parents[i] {
                Some(p) => {
                    let (index, table) = &result[&model.templates[p].name.to_lowercase()];
                    (Self::gobject_id(*index), table.clone())
                }
                None => (0, AttrTable::new()),
            };
            let index = self.push(GobjectRow {
                template_definition_id: TD_USER_DEFINED,
                derived_from,
                contained_by: 0,
                area: 0,
                hosted_by: 0,
                tag_name: def.name.clone(),
                contained_name: String::new(),
                hierarchical_name: def.name.clone(),
                is_template: true,
                hosting_tree_level: 0,
            });
            if def.name.eq_ignore_ascii_case("$UserDefined") {
                self.bases[TD_USER_DEFINED as usize] = index;
            }
            let table = self.add_attributes(index, &def.name, &def.attributes, inherited);
            result.insert(def.name.to_lowercase(), (index, table));
        }
        result
    }

    /// Adds platforms, engines, areas and objects.
    fn add_instances(&mut self, templates: &HashMap<String, (usize, AttrTable)>) {
        let model = self.model;
        let platform_base = Self::gobject_id(self.bases[TD_PLATFORM as usize]);
        let engine_base = Self::gobject_id(self.bases[TD_ENGINE as usize]);
        let area_base = Self::gobject_id(self.bases[TD_AREA as usize]);
        let user_defined = self.bases[TD_USER_DEFINED as usize];

        // Platforms host engines; engines host areas; areas host objects.
        let mut platforms = HashMap::new();
        for p in &model.platforms {
            let index = self.instance(TD_PLATFORM, platform_base, &p.name, 0, 0, 1);
            platforms.insert(p.name.to_lowercase(), index);
        }
        let mut engines = HashMap::new();
        for e in &model.engines {
            let host = self.resolve(&platforms, e.platform.as_deref(), "engine", &e.name);
            let (hosted_by, level) = self.host_of(host);
            let index = self.instance(TD_ENGINE, engine_base, &e.name, 0, hosted_by, level);
            engines.insert(e.name.to_lowercase(), index);
        }

        let area_index = index_by_name(model.areas.iter().map(|a| a.name.as_str()));
        let area_parents: Vec<Option<usize>> = model
            .areas
            .iter()
            .map(|a| self.resolve(&area_index, a.parent.as_deref(), "area", &a.name))
            .collect();
        let (order, cyclic) = parents_first(&area_parents);
        for i in cyclic {
            self.problems.push(format!(
                "area {}: its parent chain is a cycle",
                model.areas[i].name
            ));
        }
        let mut areas: HashMap<String, usize> = HashMap::new();
        for i in order {
            let def = &model.areas[i];
            let engine = self.resolve(&engines, def.engine.as_deref(), "area", &def.name);
            let (hosted_by, level) = self.host_of(engine);
            let parent_area = area_parents[i]
                .map(|p| Self::gobject_id(areas[&model.areas[p].name.to_lowercase()]))
                .unwrap_or(0);
            let index = self.instance(TD_AREA, area_base, &def.name, parent_area, hosted_by, level);
            areas.insert(def.name.to_lowercase(), index);
        }

        let object_index = index_by_name(model.objects.iter().map(|o| o.tag_name.as_str()));
        let containers: Vec<Option<usize>> = model
            .objects
            .iter()
            .map(|o| self.resolve(&object_index, o.container.as_deref(), "object", &o.tag_name))
            .collect();
        let (order, cyclic) = parents_first(&containers);
        for i in cyclic {
            self.problems.push(format!(
                "object {}: its container chain is a cycle",
                model.objects[i].tag_name
            ));
        }
        // Gobject index of each model object, once placed.
        let mut placed: Vec<usize> = vec![usize::MAX; model.objects.len()];
        for i in order {
            let def = &model.objects[i];
            let (template_index, inherited) = match def.template.as_deref() {
                Some(name) => match templates.get(&name.to_lowercase()) {
                    Some((index, table))
                        if self.gobjects[*index].template_definition_id == TD_USER_DEFINED =>
                    {
                        (*index, table.clone())
                    }
                    _ => {
                        self.problems
                            .push(format!("object {}: unknown template {name}", def.tag_name));
                        (user_defined, AttrTable::new())
                    }
                },
                None => {
                    let base = &self.gobjects[user_defined].tag_name;
                    (user_defined, templates[&base.to_lowercase()].1.clone())
                }
            };
            let container = containers[i].map(|c| placed[c]);
            let explicit_area = self.resolve(&areas, def.area.as_deref(), "object", &def.tag_name);
            let area = match (explicit_area, container) {
                (Some(a), _) => Self::gobject_id(a),
                (None, Some(c)) => self.gobjects[c].area,
                (None, None) => 0,
            };
            let (contained_by, contained_name, hierarchical_name) = match container {
                Some(c) => {
                    let name = def.contained_name.clone().unwrap_or(def.tag_name.clone());
                    let hierarchical = format!("{}.{name}", self.gobjects[c].hierarchical_name);
                    (Self::gobject_id(c), name, hierarchical)
                }
                None => (0, String::new(), def.tag_name.clone()),
            };
            let level = if area == 0 {
                1
            } else {
                self.gobjects[(area - 1) as usize].hosting_tree_level + 1
            };
            let index = self.push(GobjectRow {
                template_definition_id: TD_USER_DEFINED,
                derived_from: Self::gobject_id(template_index),
                contained_by,
                area,
                hosted_by: area,
                tag_name: def.tag_name.clone(),
                contained_name,
                hierarchical_name,
                is_template: false,
                hosting_tree_level: level,
            });
            placed[i] = index;
            self.add_attributes(index, &def.tag_name, &def.attributes, inherited);
        }
    }

    /// An uncontained instance of a base template.
    fn instance(
        &mut self,
        definition_id: i32,
        derived_from: i32,
        tag_name: &str,
        area: i32,
        hosted_by: i32,
        hosting_tree_level: i32,
    ) -> usize {
        self.push(GobjectRow {
            template_definition_id: definition_id,
            derived_from,
            contained_by: 0,
            area,
            hosted_by,
            tag_name: tag_name.to_string(),
            contained_name: String::new(),
            hierarchical_name: tag_name.to_string(),
            is_template: false,
            hosting_tree_level,
        })
    }

    /// The host's gobject id and the hosted object's tree level.
    fn host_of(&self, host: Option<usize>) -> (i32, i32) {
        match host {
            Some(h) => (Self::gobject_id(h), self.gobjects[h].hosting_tree_level + 1),
            None => (0, 1),
        }
    }

    /// Looks up an optional reference by name, recording a problem when it is unknown.
    fn resolve(
        &mut self,
        index: &HashMap<String, usize>,
        name: Option<&str>,
        kind: &str,
        owner: &str,
    ) -> Option<usize> {
        let name = name?;
        let found = index.get(&name.to_lowercase()).copied();
        if found.is_none() {
            self.problems
                .push(format!("{kind} {owner}: unknown reference {name}"));
        }
        found
    }

    /// Writes the attribute rows a template or an instance declares into its package
    /// and returns its effective attribute table.
    fn add_attributes(
        &mut self,
        owner: usize,
        owner_name: &str,
        defs: &[AttributeDef],
        mut table: AttrTable,
    ) -> AttrTable {
        let mut seen = HashSet::new();
        for (n, def) in defs.iter().enumerate() {
            let key = def.name.to_lowercase();
            if !seen.insert(key.clone()) {
                self.problems.push(format!(
                    "{owner_name}: attribute {} is declared twice",
                    def.name
                ));
                continue;
            }
            match merge(def, table.get(&key)) {
                Ok(meta) => {
                    self.attributes.push(AttributeRow {
                        owner,
                        mx_attribute_id: i32::try_from(n + 1).unwrap_or(i32::MAX),
                        meta: meta.clone(),
                    });
                    table.insert(key, meta);
                }
                Err(problem) => self.problems.push(format!("{owner_name}: {problem}")),
            }
        }
        table
    }

    fn check_unique_tag_names(&mut self) {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for row in &self.gobjects {
            if let Some(first) = seen.insert(row.tag_name.to_lowercase(), &row.tag_name) {
                self.problems.push(format!(
                    "tag name {} is used twice (also as {first})",
                    row.tag_name
                ));
            }
        }
    }

    // === writing ===

    fn insert(&self, tx: &rusqlite::Transaction<'_>, time: Option<Timestamp>) -> Result<(), Error> {
        tx.execute(
            "INSERT INTO galaxy (galaxy_id, galaxy_name, time_of_last_deploy) VALUES (1, ?1, ?2)",
            params![self.model.galaxy, time.map(time::format)],
        )?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO template_definition
                 (template_definition_id, base_gobject_id, original_template_tagname, category_id)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (id, name, category_id) in TEMPLATE_DEFINITIONS {
                let base = Self::gobject_id(self.bases[id as usize]);
                stmt.execute(params![id, base, name, category_id])?;
            }
        }
        {
            let mut gobject = tx.prepare(
                "INSERT INTO gobject (gobject_id, template_definition_id, derived_from_gobject_id,
                 contained_by_gobject_id, area_gobject_id, hosted_by_gobject_id,
                 checked_in_package_id, deployed_package_id, last_deployed_package_id,
                 tag_name, contained_name, hierarchical_name, is_template, hosting_tree_level,
                 namespace_id, deployed_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )?;
            let mut package = tx.prepare(
                "INSERT INTO package (package_id, gobject_id, derived_from_package_id)
                 VALUES (?1, ?2, ?3)",
            )?;
            for (index, row) in self.gobjects.iter().enumerate() {
                let id = Self::gobject_id(index);
                let package_id = Self::package_id(index);
                let deployed = if row.is_template { 0 } else { package_id };
                gobject.execute(params![
                    id,
                    row.template_definition_id,
                    row.derived_from,
                    row.contained_by,
                    row.area,
                    row.hosted_by,
                    package_id,
                    deployed,
                    row.tag_name,
                    row.contained_name,
                    row.hierarchical_name,
                    row.is_template,
                    row.hosting_tree_level,
                    NAMESPACE_AUTOMATION_OBJECT,
                    i32::from(!row.is_template),
                ])?;
                let derived_from_package = if row.derived_from == 0 {
                    0
                } else {
                    Self::package_id((row.derived_from - 1) as usize)
                };
                package.execute(params![package_id, id, derived_from_package])?;
            }
        }
        {
            let mut attribute = tx.prepare(
                "INSERT INTO dynamic_attribute (gobject_id, package_id, mx_primitive_id,
                 mx_attribute_id, attribute_name, mx_data_type, is_array, security_classification,
                 lock_type)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut primitive = tx.prepare(
                "INSERT INTO primitive_instance (gobject_id, package_id, mx_primitive_id,
                 primitive_name, primitive_definition_id, extension_type)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            tx.execute_batch(&format!(
                "INSERT INTO primitive_definition (primitive_definition_id, primitive_name)
                 VALUES ({}, '{}'), ({}, '{}');",
                schema::ALARM_EXTENSION_DEFINITION_ID,
                schema::ALARM_EXTENSION,
                schema::HISTORY_EXTENSION_DEFINITION_ID,
                schema::HISTORY_EXTENSION,
            ))?;
            let mut next_primitive: HashMap<usize, i32> = HashMap::new();
            for row in &self.attributes {
                let meta = &row.meta;
                let lock_type = if meta.writable {
                    schema::LOCK_TYPE_WRITABLE
                } else {
                    schema::LOCK_TYPE_READ_ONLY
                };
                attribute.execute(params![
                    Self::gobject_id(row.owner),
                    Self::package_id(row.owner),
                    USER_DEFINED_PRIMITIVE_ID,
                    row.mx_attribute_id,
                    meta.name,
                    meta.data_type.raw(),
                    meta.array.is_some(),
                    meta.security.raw(),
                    lock_type,
                ])?;
                let extensions = [
                    (
                        meta.extensions.alarm,
                        schema::ALARM_EXTENSION_DEFINITION_ID,
                        schema::ALARM_EXTENSION,
                    ),
                    (
                        meta.extensions.history,
                        schema::HISTORY_EXTENSION_DEFINITION_ID,
                        schema::HISTORY_EXTENSION,
                    ),
                ];
                for (on, definition_id, definition_name) in extensions {
                    if !on {
                        continue;
                    }
                    let id = next_primitive
                        .entry(row.owner)
                        .or_insert(schema::FIRST_EXTENSION_PRIMITIVE_ID);
                    primitive.execute(params![
                        Self::gobject_id(row.owner),
                        Self::package_id(row.owner),
                        *id,
                        meta.name,
                        definition_id,
                        definition_name,
                    ])?;
                    *id += 1;
                }
            }
        }
        Ok(())
    }
}

/// Merges a definition over the attribute it overrides, if any.
fn merge(def: &AttributeDef, inherited: Option<&AttrMeta>) -> Result<AttrMeta, String> {
    let data_type = match (def.data_type.as_deref(), inherited) {
        (Some(name), _) => DataType::from_name(name)
            .ok_or_else(|| format!("attribute {}: unknown type {name}", def.name))?,
        (None, Some(meta)) => meta.data_type,
        (None, None) => return Err(format!("attribute {}: no type", def.name)),
    };
    let security = match (def.security.as_deref(), inherited) {
        (Some(name), _) => SecurityClassification::from_name(name).ok_or_else(|| {
            format!(
                "attribute {}: unknown security classification {name}",
                def.name
            )
        })?,
        (None, Some(meta)) => meta.security,
        (None, None) => SecurityClassification::FreeAccess,
    };
    Ok(AttrMeta {
        name: inherited.map_or_else(|| def.name.clone(), |m| m.name.clone()),
        data_type,
        array: def.array.or(inherited.and_then(|m| m.array)),
        security,
        writable: def
            .writable
            .or(inherited.map(|m| m.writable))
            .unwrap_or(true),
        extensions: declared_extensions(def)
            .or(inherited.map(|m| m.extensions))
            .unwrap_or_default(),
    })
}

/// Position of each name, by lower-cased name (the first one wins on duplicates,
/// which `check_unique_tag_names` reports).
fn index_by_name<'a>(names: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    for (i, name) in names.enumerate() {
        index.entry(name.to_lowercase()).or_insert(i);
    }
    index
}

/// Orders a forest given as parent links so that every node follows its parent
/// (model order otherwise). Returns the order and the nodes on or behind a cycle,
/// which are left out of it.
fn parents_first(parents: &[Option<usize>]) -> (Vec<usize>, Vec<usize>) {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; parents.len()];
    let mut order = Vec::with_capacity(parents.len());
    let mut cyclic = Vec::new();
    let mut path = Vec::new();
    for start in 0..parents.len() {
        let mut current = Some(start);
        let mut looped = false;
        while let Some(node) = current {
            match state[node] {
                DONE => break,
                ON_PATH => {
                    looped = true;
                    break;
                }
                _ => {
                    state[node] = ON_PATH;
                    path.push(node);
                    current = parents[node];
                }
            }
        }
        for &node in path.iter().rev() {
            state[node] = DONE;
            if looped {
                cyclic.push(node);
            } else {
                order.push(node);
            }
        }
        path.clear();
    }
    (order, cyclic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_first_orders_forests_and_reports_cycles() {
        let (order, cyclic) = parents_first(&[Some(2), None, Some(1), Some(0)]);
        assert_eq!(order, vec![1, 2, 0, 3]);
        assert!(cyclic.is_empty());
        let (order, mut cyclic) = parents_first(&[Some(1), Some(0), None]);
        cyclic.sort();
        assert_eq!((order, cyclic), (vec![2], vec![0, 1]));
    }

    #[test]
    fn inconsistent_models_are_refused_with_every_problem() {
        let mut model = GalaxyModel::demo();
        model.objects[0].template = Some("$Nope".into());
        model.objects[1].container = Some("Nowhere".into());
        model.templates[1].attributes.push(AttributeDef {
            name: "Untyped".into(),
            ..AttributeDef::default()
        });
        let Err(Error::Model(message)) = build_sqlite(&model, None) else {
            panic!("expected a model error");
        };
        assert!(message.contains("unknown template $Nope"), "{message}");
        assert!(message.contains("unknown reference Nowhere"), "{message}");
        assert!(message.contains("attribute Untyped: no type"), "{message}");
    }
}
