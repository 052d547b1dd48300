SELECT
    CAST(g.gobject_id AS INTEGER) AS gobject_id,
    g.tag_name AS tag_name,
    COALESCE(g.contained_name, '') AS contained_name,
    COALESCE(g.hierarchical_name, '') AS hierarchical_name,
    COALESCE(NULLIF(g.contained_name, ''), g.tag_name) AS browse_name,
    CAST(COALESCE(CASE WHEN g.contained_by_gobject_id <> 0 THEN g.contained_by_gobject_id ELSE g.area_gobject_id END, 0) AS INTEGER) AS parent_gobject_id,
    COALESCE(p.tag_name, '') AS parent_tag_name,
    COALESCE(a.tag_name, '') AS area_tag_name,
    CAST(g.category_id AS INTEGER) AS category_id
FROM (
    SELECT
        g.gobject_id,
        g.tag_name,
        g.contained_name,
        g.hierarchical_name,
        g.contained_by_gobject_id,
        g.area_gobject_id,
        td.category_id
    FROM gobject g
    INNER JOIN template_definition td
        ON td.template_definition_id = g.template_definition_id
    WHERE g.is_template = 0
      AND g.deployed_package_id <> 0
      AND td.category_id IN (1, 3, 4, 10, 11, 13, 17, 24, 26)
) g
LEFT JOIN gobject p ON p.gobject_id = CASE WHEN g.contained_by_gobject_id <> 0 THEN g.contained_by_gobject_id ELSE g.area_gobject_id END
LEFT JOIN gobject a ON a.gobject_id = g.area_gobject_id
ORDER BY g.gobject_id
