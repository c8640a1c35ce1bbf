"""An index on the appeals' history by time, for the servicerequestupdates feed (status changes since a time).

It lives here because this feed is its only reader: the history table itself is the appeals app's, and
its own indexes (by appeal) answer every other question. CONCURRENTLY is not used: migrations run in a
transaction, and the table is append-only, so a plain build only delays writers while it runs.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0002_seed_attributes"),
        ("appeals", "0004_open_deadline_index"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS open311_event_at ON appeals_appealevent (at, id)",
            "DROP INDEX IF EXISTS open311_event_at",
        ),
    ]
