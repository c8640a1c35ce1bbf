"""The outage history is append-only in the database itself, whatever writes to it (as appeals/0002)."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION outages_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'outages_outageevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER outages_event_append_only
    BEFORE UPDATE OR DELETE ON outages_outageevent
    FOR EACH ROW EXECUTE FUNCTION outages_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS outages_event_append_only ON outages_outageevent;
DROP FUNCTION IF EXISTS outages_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("outages", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
