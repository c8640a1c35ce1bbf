"""manage.py import_osm FILE.osm.pbf --boundary data/kramatorsk/hromada_boundary.geojson [--commit]"""

from django.core.management.base import BaseCommand

from importers.cli import add_common_arguments, run
from importers.osm import import_osm


class Command(BaseCommand):
    # The system checks load every URL and view (seconds of a city-size import spent on pages it never
    # serves); the import needs the models and the database only.
    requires_system_checks = []
    help = "Import neighbourhoods, streets (with Russian and old names) and buildings from an OSM extract."

    def add_arguments(self, parser):
        parser.add_argument("path", help=".osm.pbf or .osm")
        parser.add_argument("--boundary", required=True, help="a polygon file to clip to (GeoJSON, GeoPackage, …)")
        parser.add_argument("--location-index", default="flex_mem",
                            help="libosmium node index: flex_mem (default) or e.g. sparse_file_array,/tmp/nodes.idx")
        add_common_arguments(parser)

    def handle(self, *args, **opts):
        run(self, import_osm, opts["path"], boundary=opts["boundary"], source=opts["source"] or "osm",
            commit=opts["commit"], strict=opts["strict"], show_progress=not opts["no_progress"],
            location_index=opts["location_index"])
