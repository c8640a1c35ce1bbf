"""A registry version for routing caches: every write to what routing reads takes a fresh number.

The number comes from a sequence, which never rolls back, so two different states of the registry
never share a number (a rolled-back test transaction cannot make a stale cache look current).
layers.routing reads it in the same statement as its `covers` lookup and keeps area, assignment and
provider rows in process memory per version.
"""

from django.db import migrations

TABLES = [
    "layers_servicearea", "layers_servicearea_service_kinds", "layers_provider", "layers_buildingassignment",
    "layers_buildingassignment_service_kinds", "layers_servicekind",
    "layers_building",  # the footprints of assigned buildings are held in memory too
]

FORWARD = """
CREATE SEQUENCE layers_routing_version_seq;
CREATE TABLE layers_routingversion (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO layers_routingversion VALUES (1, nextval('layers_routing_version_seq'));
CREATE FUNCTION layers_bump_routing_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO layers_routingversion VALUES (1, nextval('layers_routing_version_seq'))
        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_routing_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
    f"FOR EACH STATEMENT EXECUTE FUNCTION layers_bump_routing_version();\n"
    for t in TABLES
)

BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {t}_routing_version ON {t};\n" for t in TABLES) + """
DROP FUNCTION IF EXISTS layers_bump_routing_version();
DROP TABLE IF EXISTS layers_routingversion;
DROP SEQUENCE IF EXISTS layers_routing_version_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0004_categories")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
