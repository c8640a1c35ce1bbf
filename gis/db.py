"""One helper for the hot read paths: a statement run as a server-side prepared statement.

Django's cursors bind parameters on the client, so PostgreSQL parses and plans every call again; for the
one-row look-ups behind reverse geocoding, routing and the outage check that costs more than the look-up.
psycopg prepares a statement once per connection (connections are persistent, CONN_MAX_AGE) and then only
sends its parameters.
"""

from __future__ import annotations

import psycopg
from django.db import connection


def fetch_prepared(sql: str, params: dict) -> list[tuple]:
    """Rows of `sql` (named %(param)s placeholders), prepared on this connection and reused."""
    connection.ensure_connection()
    raw = connection.connection
    if isinstance(raw, psycopg.Connection):
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:  # another driver: plain execution
        cursor.execute(sql, params)
        return cursor.fetchall()
