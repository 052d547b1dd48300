WITH RECURSIVE template_chain (gobject_id, template_gobject_id, depth) AS (
    SELECT g.gobject_id, g.derived_from_gobject_id, 0
    FROM gobject g
    INNER JOIN template_definition td
        ON td.template_definition_id = g.template_definition_id
    WHERE g.is_template = 0
      AND g.deployed_package_id <> 0
      AND td.category_id IN (1, 3, 4, 10, 11, 13, 17, 24, 26)
      AND g.derived_from_gobject_id <> 0
    UNION ALL
    SELECT c.gobject_id, t.derived_from_gobject_id, c.depth + 1
    FROM template_chain c
    INNER JOIN gobject t ON t.gobject_id = c.template_gobject_id
    WHERE t.derived_from_gobject_id <> 0
      AND c.depth + 1 < 10
)
SELECT
    CAST(c.gobject_id AS INTEGER) AS gobject_id,
    CAST(c.depth AS INTEGER) AS depth,
    t.tag_name AS template_tag_name
FROM template_chain c
INNER JOIN gobject t ON t.gobject_id = c.template_gobject_id
ORDER BY c.gobject_id, c.depth
