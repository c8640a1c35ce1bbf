"""Keep ServiceAreaPart in step with ServiceArea.geom in the database itself.

Whatever writes an area (admin, importer, raw SQL), its subdivided copy
(ST_Subdivide, at most 64 vertices a piece) is rebuilt, so point lookups hit
small polygons through the GiST index, as MapIt does.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION layers_servicearea_subdivide() RETURNS trigger AS $$
BEGIN
    DELETE FROM layers_serviceareapart WHERE area_id = NEW.id;
    INSERT INTO layers_serviceareapart (area_id, geom)
        SELECT NEW.id, d.geom
        FROM ST_Subdivide(NEW.geom, 64) AS s(g), ST_Dump(s.g) AS d
        WHERE GeometryType(d.geom) = 'POLYGON';
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER layers_servicearea_subdivide
    AFTER INSERT OR UPDATE OF geom ON layers_servicearea
    FOR EACH ROW EXECUTE FUNCTION layers_servicearea_subdivide();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS layers_servicearea_subdivide ON layers_servicearea;
DROP FUNCTION IF EXISTS layers_servicearea_subdivide();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
