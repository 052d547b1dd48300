WITH RECURSIVE deployed_package_chain (gobject_id, package_id, depth) AS (
    SELECT g.gobject_id, g.deployed_package_id, 0
    FROM gobject g
    INNER JOIN template_definition td
        ON td.template_definition_id = g.template_definition_id
    WHERE g.is_template = 0
      AND g.deployed_package_id <> 0
      AND td.category_id IN (1, 3, 4, 10, 11, 13, 17, 24, 26)
    UNION ALL
    SELECT c.gobject_id, p.derived_from_package_id, c.depth + 1
    FROM deployed_package_chain c
    INNER JOIN package p ON p.package_id = c.package_id
    WHERE p.derived_from_package_id <> 0
      AND c.depth < 10
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
        MAX(CASE WHEN pd.primitive_name = 'AlarmExtension' THEN 1 ELSE 0 END) AS is_alarm,
        MAX(CASE WHEN pd.primitive_name = 'HistoryExtension' THEN 1 ELSE 0 END) AS is_historized
    FROM deployed_package_chain c
    INNER JOIN primitive_instance pi ON pi.package_id = c.package_id
    INNER JOIN primitive_definition pd
        ON pd.primitive_definition_id = pi.primitive_definition_id
    WHERE pd.primitive_name IN ('AlarmExtension', 'HistoryExtension')
    GROUP BY c.gobject_id, pi.primitive_name
)
SELECT
    CAST(r.gobject_id AS INTEGER) AS gobject_id,
    r.attribute_name AS attribute_name,
    g.tag_name || '.' || r.attribute_name || CASE WHEN r.is_array <> 0 THEN '[]' ELSE '' END AS full_tag_reference,
    CAST(r.mx_data_type AS INTEGER) AS mx_data_type,
    CAST(r.is_array AS INTEGER) AS is_array,
    CAST(r.security_classification AS INTEGER) AS security_classification,
    CAST(COALESCE(e.is_alarm, 0) AS INTEGER) AS is_alarm,
    CAST(COALESCE(e.is_historized, 0) AS INTEGER) AS is_historized
FROM ranked_attribute r
INNER JOIN gobject g ON g.gobject_id = r.gobject_id
LEFT JOIN extension e
    ON e.gobject_id = r.gobject_id AND e.attribute_name = r.attribute_name
WHERE r.nearest = 1
ORDER BY r.gobject_id
