//! The hierarchy query: one logic, written once, rendered in two SQL dialects, and one
//! piece of Rust that shapes the rows into [`GalaxyObject`]s.
//!
//! A browse runs four statements on one connection:
//! 1. [`Queries::last_deploy`]: `galaxy.time_of_last_deploy`, as ISO-8601 text.
//! 2. [`Queries::objects`]: deployed instances (`is_template = 0`,
//!    `deployed_package_id <> 0`) of the browsable categories, with browse name
//!    (`contained_name`, else `tag_name`), parent (the container, else the area) and
//!    area tag name.
//! 3. [`Queries::template_chains`]: a recursive CTE over `derived_from_gobject_id`,
//!    one row per object and template, depth 0 (the object's own template) to
//!    [`MAX_TEMPLATE_DEPTH`] − 1.
//! 4. [`Queries::attributes`]: a recursive CTE over the deployed package chain
//!    (`package.derived_from_package_id`: the object's package, then its template's,
//!    and so on, at most [`MAX_TEMPLATE_DEPTH`] derivations), the `dynamic_attribute`
//!    rows of those packages with the nearest package winning per name, and the
//!    alarm/history flags from the `primitive_instance`s of the same chain.
//!
//! Templates and packages are walked to the same depth, so every template the chain
//! lists contributes its attributes.
//!
//! [`Dialect`] holds everything the two dialects spell differently (the recursive
//! CTE keyword, string concatenation, integer casts, `LIMIT`/`TOP`, and reading a
//! `datetime` as text); the statements themselves are built once. Every number a
//! statement returns is cast to a plain integer so that both drivers read `i32`s.
//!
//! Ordering is done in Rust ([`assemble`]), so both dialects give the same order
//! whatever their collations: objects depth-first from the galaxy root, parents
//! before children, siblings by browse name (case-insensitively, then by tag name and
//! id); attributes by name (case-insensitively, then exactly). An object whose parent
//! is not in the result (not deployed, or not browsable) keeps its parent id but is
//! placed among the roots.

use std::collections::HashMap;

use mxgateway_mx::DataType;

use crate::schema::{ALARM_EXTENSION, HISTORY_EXTENSION};
use crate::types::{category, security_from_raw, GalaxyAttribute, GalaxyObject};

/// Templates listed per object, and package derivations walked for attributes.
pub const MAX_TEMPLATE_DEPTH: i32 = 10;

/// The SQL dialect a [`Queries`] set is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// The embedded copy (SQLite 3.25 or later: window functions).
    Sqlite,
    /// A real Galaxy Repository (SQL Server 2012 or later).
    SqlServer,
}

impl Dialect {
    /// The keyword that opens a CTE list containing a recursive CTE.
    fn with_recursive(self) -> &'static str {
        match self {
            Dialect::Sqlite => "WITH RECURSIVE",
            Dialect::SqlServer => "WITH",
        }
    }

    /// String concatenation of SQL expressions.
    fn concat(self, parts: &[&str]) -> String {
        let operator = match self {
            Dialect::Sqlite => " || ",
            Dialect::SqlServer => " + ",
        };
        parts.join(operator)
    }

    /// `expr` as a plain 32-bit integer (SQL Server's `smallint` and `bit` columns
    /// would otherwise reach the driver as other types).
    fn int(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({expr} AS INTEGER)"),
            Dialect::SqlServer => format!("CAST({expr} AS int)"),
        }
    }

    /// A boolean result as an integer literal (T-SQL has no `TRUE`/`FALSE`).
    fn bool_literal(self, value: bool) -> &'static str {
        if value {
            "1"
        } else {
            "0"
        }
    }

    /// `SELECT <columns> FROM <rest>` returning at most one row.
    fn select_first(self, columns: &str, rest: &str) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT {columns} FROM {rest} LIMIT 1"),
            Dialect::SqlServer => format!("SELECT TOP 1 {columns} FROM {rest}"),
        }
    }

    /// A deploy-time column as ISO-8601 text (`time.rs` parses both forms).
    fn timestamp_text(self, expr: &str) -> String {
        match self {
            // The SQLite copy stores ISO-8601 text already.
            Dialect::Sqlite => expr.to_string(),
            // Style 126 is ISO 8601 (`yyyy-mm-ddThh:mi:ss.mmm`).
            Dialect::SqlServer => format!("CONVERT(varchar(33), {expr}, 126)"),
        }
    }
}

/// The statements of one browse, rendered in one dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queries {
    pub dialect: Dialect,
    /// `SELECT 1`, for connection tests.
    pub test_connection: String,
    /// One row: `time_of_last_deploy` as text (NULL if never deployed); no row for an
    /// empty `galaxy` table.
    pub last_deploy: String,
    /// Columns: gobject_id, tag_name, contained_name, hierarchical_name, browse_name,
    /// parent_gobject_id, parent_tag_name, area_tag_name, category_id.
    pub objects: String,
    /// Columns: gobject_id, depth, template tag_name; ordered by gobject_id, depth.
    pub template_chains: String,
    /// Columns: gobject_id, attribute_name, full_tag_reference, mx_data_type, is_array,
    /// security_classification, is_alarm, is_historized; ordered by gobject_id.
    pub attributes: String,
}

impl Queries {
    /// Renders every statement in `dialect`.
    pub fn new(dialect: Dialect) -> Queries {
        Queries {
            dialect,
            test_connection: "SELECT 1".to_string(),
            last_deploy: dialect.select_first(
                &format!(
                    "{} AS time_of_last_deploy",
                    dialect.timestamp_text("time_of_last_deploy")
                ),
                "galaxy",
            ),
            objects: objects_sql(dialect),
            template_chains: template_chains_sql(dialect),
            attributes: attributes_sql(dialect),
        }
    }
}

/// The deployed, browsable instances among `gobject` rows aliased `g`, joined to
/// their template definition `td`: the one filter all three browse statements share.
fn deployed_instances(dialect: Dialect) -> String {
    let categories = category::BROWSABLE.map(|c| c.to_string()).join(", ");
    format!(
        "gobject g
    INNER JOIN template_definition td
        ON td.template_definition_id = g.template_definition_id
    WHERE g.is_template = {no}
      AND g.deployed_package_id <> 0
      AND td.category_id IN ({categories})",
        no = dialect.bool_literal(false),
    )
}

fn objects_sql(d: Dialect) -> String {
    let parent = "CASE WHEN g.contained_by_gobject_id <> 0 \
                  THEN g.contained_by_gobject_id ELSE g.area_gobject_id END";
    format!(
        "SELECT
    {gobject_id} AS gobject_id,
    g.tag_name AS tag_name,
    COALESCE(g.contained_name, '') AS contained_name,
    COALESCE(g.hierarchical_name, '') AS hierarchical_name,
    COALESCE(NULLIF(g.contained_name, ''), g.tag_name) AS browse_name,
    {parent_id} AS parent_gobject_id,
    COALESCE(p.tag_name, '') AS parent_tag_name,
    COALESCE(a.tag_name, '') AS area_tag_name,
    {category_id} AS category_id
FROM (
    SELECT
        g.gobject_id,
        g.tag_name,
        g.contained_name,
        g.hierarchical_name,
        g.contained_by_gobject_id,
        g.area_gobject_id,
        td.category_id
    FROM {instances}
) g
LEFT JOIN gobject p ON p.gobject_id = {parent}
LEFT JOIN gobject a ON a.gobject_id = g.area_gobject_id
ORDER BY g.gobject_id",
        gobject_id = d.int("g.gobject_id"),
        parent_id = d.int(&format!("COALESCE({parent}, 0)")),
        category_id = d.int("g.category_id"),
        instances = deployed_instances(d),
    )
}

fn template_chains_sql(d: Dialect) -> String {
    format!(
        "{with} template_chain (gobject_id, template_gobject_id, depth) AS (
    SELECT g.gobject_id, g.derived_from_gobject_id, 0
    FROM {instances}
      AND g.derived_from_gobject_id <> 0
    UNION ALL
    SELECT c.gobject_id, t.derived_from_gobject_id, c.depth + 1
    FROM template_chain c
    INNER JOIN gobject t ON t.gobject_id = c.template_gobject_id
    WHERE t.derived_from_gobject_id <> 0
      AND c.depth + 1 < {max_depth}
)
SELECT
    {gobject_id} AS gobject_id,
    {depth} AS depth,
    t.tag_name AS template_tag_name
FROM template_chain c
INNER JOIN gobject t ON t.gobject_id = c.template_gobject_id
ORDER BY c.gobject_id, c.depth",
        with = d.with_recursive(),
        instances = deployed_instances(d),
        max_depth = MAX_TEMPLATE_DEPTH,
        gobject_id = d.int("c.gobject_id"),
        depth = d.int("c.depth"),
    )
}

fn attributes_sql(d: Dialect) -> String {
    format!(
        "{with} deployed_package_chain (gobject_id, package_id, depth) AS (
    SELECT g.gobject_id, g.deployed_package_id, 0
    FROM {instances}
    UNION ALL
    SELECT c.gobject_id, p.derived_from_package_id, c.depth + 1
    FROM deployed_package_chain c
    INNER JOIN package p ON p.package_id = c.package_id
    WHERE p.derived_from_package_id <> 0
      AND c.depth < {max_depth}
),
ranked_attribute AS (
    SELECT
        c.gobject_id,
        da.attribute_name,
        da.mx_data_type,
        da.is_array,
        da.security_classification,
        ROW_NUMBER() OVER (
            PARTITION BY c.gobject_id, da.attribute_name
            ORDER BY c.depth
        ) AS nearest
    FROM deployed_package_chain c
    INNER JOIN dynamic_attribute da ON da.package_id = c.package_id
),
extension AS (
    SELECT
        c.gobject_id,
        pi.primitive_name AS attribute_name,
        MAX(CASE WHEN pd.primitive_name = '{alarm}' THEN 1 ELSE 0 END) AS is_alarm,
        MAX(CASE WHEN pd.primitive_name = '{history}' THEN 1 ELSE 0 END) AS is_historized
    FROM deployed_package_chain c
    INNER JOIN primitive_instance pi ON pi.package_id = c.package_id
    INNER JOIN primitive_definition pd
        ON pd.primitive_definition_id = pi.primitive_definition_id
    WHERE pd.primitive_name IN ('{alarm}', '{history}')
    GROUP BY c.gobject_id, pi.primitive_name
)
SELECT
    {gobject_id} AS gobject_id,
    r.attribute_name AS attribute_name,
    {reference} AS full_tag_reference,
    {data_type} AS mx_data_type,
    {is_array} AS is_array,
    {security} AS security_classification,
    {is_alarm} AS is_alarm,
    {is_historized} AS is_historized
FROM ranked_attribute r
INNER JOIN gobject g ON g.gobject_id = r.gobject_id
LEFT JOIN extension e
    ON e.gobject_id = r.gobject_id AND e.attribute_name = r.attribute_name
WHERE r.nearest = 1
ORDER BY r.gobject_id",
        with = d.with_recursive(),
        instances = deployed_instances(d),
        max_depth = MAX_TEMPLATE_DEPTH,
        alarm = ALARM_EXTENSION,
        history = HISTORY_EXTENSION,
        gobject_id = d.int("r.gobject_id"),
        reference = d.concat(&[
            "g.tag_name",
            "'.'",
            "r.attribute_name",
            &format!(
                "CASE WHEN r.is_array <> {no} THEN '[]' ELSE '' END",
                no = d.bool_literal(false)
            ),
        ]),
        data_type = d.int("r.mx_data_type"),
        is_array = d.int("r.is_array"),
        security = d.int("r.security_classification"),
        is_alarm = d.int("COALESCE(e.is_alarm, 0)"),
        is_historized = d.int("COALESCE(e.is_historized, 0)"),
    )
}

// === rows and shaping, shared by both providers ===

/// One row of [`Queries::objects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectRow {
    pub gobject_id: i32,
    pub tag_name: String,
    pub contained_name: String,
    pub hierarchical_name: String,
    pub browse_name: String,
    pub parent_gobject_id: i32,
    pub parent_tag_name: String,
    pub area_tag_name: String,
    pub category_id: i32,
}

/// One row of [`Queries::template_chains`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainRow {
    pub gobject_id: i32,
    pub depth: i32,
    pub template_tag_name: String,
}

/// One row of [`Queries::attributes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttributeRow {
    pub gobject_id: i32,
    pub attribute_name: String,
    pub full_tag_reference: String,
    pub mx_data_type: i32,
    pub is_array: bool,
    pub security_classification: i32,
    pub is_alarm: bool,
    pub is_historized: bool,
}

/// Shapes the rows of one browse into objects, parents before children.
pub(crate) fn assemble(
    objects: Vec<ObjectRow>,
    chains: Vec<ChainRow>,
    attributes: Vec<AttributeRow>,
) -> Vec<GalaxyObject> {
    let mut chains_by_object: HashMap<i32, Vec<(i32, String)>> = HashMap::new();
    for row in chains {
        chains_by_object
            .entry(row.gobject_id)
            .or_default()
            .push((row.depth, row.template_tag_name));
    }
    let mut attributes_by_object: HashMap<i32, Vec<GalaxyAttribute>> = HashMap::new();
    for row in attributes {
        attributes_by_object
            .entry(row.gobject_id)
            .or_default()
            .push(GalaxyAttribute {
                attribute_name: row.attribute_name,
                full_tag_reference: row.full_tag_reference,
                data_type: DataType::from_raw(row.mx_data_type),
                is_array: row.is_array,
                security: security_from_raw(row.security_classification),
                raw_security_classification: row.security_classification,
                is_alarm: row.is_alarm,
                is_historized: row.is_historized,
            });
    }

    let shaped: Vec<GalaxyObject> = objects
        .into_iter()
        .map(|row| {
            let mut chain = chains_by_object.remove(&row.gobject_id).unwrap_or_default();
            chain.sort_by_key(|(depth, _)| *depth);
            let mut attributes = attributes_by_object
                .remove(&row.gobject_id)
                .unwrap_or_default();
            attributes.sort_by(|a, b| name_order(&a.attribute_name, &b.attribute_name));
            let hierarchical_name = if row.hierarchical_name.is_empty() {
                row.tag_name.clone()
            } else {
                row.hierarchical_name
            };
            GalaxyObject {
                gobject_id: row.gobject_id,
                tag_name: row.tag_name,
                contained_name: row.contained_name,
                hierarchical_name,
                browse_name: row.browse_name,
                parent_gobject_id: row.parent_gobject_id,
                parent_tag_name: row.parent_tag_name,
                area_tag_name: row.area_tag_name,
                template_chain: chain.into_iter().map(|(_, name)| name).collect(),
                category_id: row.category_id,
                category: category::name(row.category_id).to_string(),
                attributes,
            }
        })
        .collect();
    parents_first(shaped)
}

/// Case-insensitive, then exact, so the order is total and collation-independent.
fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

/// Depth-first order from the roots, siblings by browse name. Objects on a parent
/// cycle (impossible in a consistent galaxy) come last, by id.
fn parents_first(objects: Vec<GalaxyObject>) -> Vec<GalaxyObject> {
    let index_of: HashMap<i32, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.gobject_id, i))
        .collect();
    let mut roots = Vec::new();
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, object) in objects.iter().enumerate() {
        match index_of.get(&object.parent_gobject_id) {
            Some(&parent) if object.parent_gobject_id != 0 && parent != i => {
                children.entry(parent).or_default().push(i)
            }
            _ => roots.push(i),
        }
    }
    let sibling_order = |a: &usize, b: &usize| {
        let (a, b) = (&objects[*a], &objects[*b]);
        name_order(&a.browse_name, &b.browse_name)
            .then_with(|| name_order(&a.tag_name, &b.tag_name))
            .then_with(|| a.gobject_id.cmp(&b.gobject_id))
    };
    roots.sort_by(sibling_order);
    for list in children.values_mut() {
        list.sort_by(sibling_order);
    }

    let mut order = Vec::with_capacity(objects.len());
    let mut visited = vec![false; objects.len()];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut visited[i], true) {
            continue;
        }
        order.push(i);
        if let Some(list) = children.get(&i) {
            stack.extend(list.iter().rev());
        }
    }
    let mut unreached: Vec<usize> = (0..objects.len()).filter(|&i| !visited[i]).collect();
    unreached.sort_by_key(|&i| objects[i].gobject_id);
    order.extend(unreached);

    let mut slots: Vec<Option<GalaxyObject>> = objects.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: i32, parent: i32, browse_name: &str) -> ObjectRow {
        ObjectRow {
            gobject_id: id,
            tag_name: format!("T{id}"),
            contained_name: String::new(),
            hierarchical_name: String::new(),
            browse_name: browse_name.into(),
            parent_gobject_id: parent,
            parent_tag_name: String::new(),
            area_tag_name: String::new(),
            category_id: category::APPLICATION_OBJECT,
        }
    }

    #[test]
    fn objects_come_depth_first_with_siblings_by_browse_name() {
        let rows = vec![
            object(5, 2, "b"),
            object(2, 0, "Zeta"),
            object(3, 0, "alpha"),
            object(4, 2, "A"),
            object(6, 4, "x"),
            object(7, 99, "orphan"), // parent not in the result: a root
        ];
        let ids: Vec<i32> = assemble(rows, vec![], vec![])
            .iter()
            .map(|o| o.gobject_id)
            .collect();
        assert_eq!(ids, vec![3, 7, 2, 4, 6, 5]);
    }

    #[test]
    fn parent_cycles_do_not_lose_objects() {
        let rows = vec![object(1, 2, "a"), object(2, 1, "b"), object(3, 0, "c")];
        let ids: Vec<i32> = assemble(rows, vec![], vec![])
            .iter()
            .map(|o| o.gobject_id)
            .collect();
        assert_eq!(ids, vec![3, 1, 2]);
    }

    #[test]
    fn chains_are_nearest_first_and_attributes_sorted() {
        let chains = vec![
            ChainRow {
                gobject_id: 1,
                depth: 1,
                template_tag_name: "$Base".into(),
            },
            ChainRow {
                gobject_id: 1,
                depth: 0,
                template_tag_name: "$Derived".into(),
            },
        ];
        let attribute = |name: &str| AttributeRow {
            gobject_id: 1,
            attribute_name: name.into(),
            full_tag_reference: format!("T1.{name}"),
            mx_data_type: 4,
            is_array: false,
            security_classification: 9,
            is_alarm: true,
            is_historized: false,
        };
        let objects = assemble(
            vec![object(1, 0, "T1")],
            chains,
            vec![attribute("b"), attribute("B"), attribute("a")],
        );
        let o = &objects[0];
        assert_eq!(o.template_chain, vec!["$Derived", "$Base"]);
        assert_eq!(o.hierarchical_name, "T1");
        assert_eq!(o.category, "ApplicationObject");
        let names: Vec<&str> = o.attributes.iter().map(|a| &*a.attribute_name).collect();
        assert_eq!(names, vec!["a", "B", "b"]);
        assert_eq!(o.attributes[0].data_type, DataType::Double);
        assert_eq!(
            o.attributes[0].security,
            mxgateway_mx::SecurityClassification::Undefined
        );
        assert_eq!(o.attributes[0].raw_security_classification, 9);
    }
}
