"""The appeal history refuses TRUNCATE too (0002 refuses UPDATE and DELETE row by row).

A statement-level BEFORE TRUNCATE trigger binds every role, superusers included, and also fires when
the history is reached by a CASCADE (``TRUNCATE layers_building CASCADE`` would otherwise wipe it).

Two narrow ways through, both transaction-local and both visible in the code that uses them:

* a deliberate reset by a superuser (the demo generator's --replace, the test runner's flush) with
  ``SET LOCAL ecity.allow_history_truncate = 'on'``; the application's own role is not a superuser in
  a deployment, so it can never take this path;
* retention (appeals.retention) blanks the free-text note of old events with
  ``SET LOCAL ecity.anonymise = 'on'``: an UPDATE that changes nothing but the note and the data.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION appeals_event_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('ecity.allow_history_truncate', true), '') = 'on'
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'appeals_appealevent is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER appeals_event_no_truncate
    BEFORE TRUNCATE ON appeals_appealevent
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_event_no_truncate();

CREATE OR REPLACE FUNCTION appeals_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('ecity.anonymise', true), '') = 'on'
       AND NEW.id = OLD.id AND NEW.appeal_id = OLD.appeal_id AND NEW.at = OLD.at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.action = OLD.action
       AND NEW.from_status = OLD.from_status AND NEW.to_status = OLD.to_status AND NEW.note = '' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'appeals_appealevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
DROP TRIGGER IF EXISTS appeals_event_no_truncate ON appeals_appealevent;
DROP FUNCTION IF EXISTS appeals_event_no_truncate();
CREATE OR REPLACE FUNCTION appeals_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appeals_appealevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_open_deadline_index")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
