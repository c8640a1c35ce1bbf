"""The appeal history is append-only in the database itself, whatever writes to it.

TRUNCATE (used by test flushes and by a full history reset) is not blocked: it is not a row change.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION appeals_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeals_appealevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_event_append_only
    BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS appeals_event_append_only ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
