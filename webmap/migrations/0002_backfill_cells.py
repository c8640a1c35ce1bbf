"""Superseded: the backfill now happens in 0003, which rebuilds the cells in their new shape.

(Applied databases keep what it did; 0003 drops and rebuilds the table anyway.)
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("webmap", "0001_appeal_cells")]

    operations = []
