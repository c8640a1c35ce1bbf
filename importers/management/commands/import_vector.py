"""manage.py import_vector FILE --layer buildings|service_areas|neighbourhoods|boundaries [--map field=col …] [--commit]"""

from django.core.management.base import BaseCommand

from importers.cli import add_common_arguments, parse_mapping, run
from importers.vector import FIELDS, LAYERS, import_vector


class Command(BaseCommand):
    # The system checks load every URL and view (seconds of a city-size import spent on pages it never
    # serves); the import needs the models and the database only.
    requires_system_checks = []
    help = "Import a vector file (GeoJSON, GeoPackage, Shapefile or zipped Shapefile, KML) into the registry."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--layer", required=True, choices=LAYERS, help="what the features are")
        parser.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                            help="take FIELD from COLUMN; fields: " + "; ".join(
                                f"{layer}: {', '.join(fields)}" for layer, fields in FIELDS.items()))
        parser.add_argument("--provider", help="service areas: the provider of every row (source id or name)")
        parser.add_argument("--service-kinds", help="service areas: kinds of every row, e.g. water,heating")
        parser.add_argument("--source-layer", help="which layer of a multi-layer file (GeoPackage, KML)")
        add_common_arguments(parser)

    def handle(self, *args, **opts):
        run(self, import_vector, opts["path"], layer=opts["layer"], source=opts["source"],
            mapping=parse_mapping(opts["map"]), provider=opts["provider"], service_kinds=opts["service_kinds"],
            source_layer=opts["source_layer"], commit=opts["commit"], strict=opts["strict"],
            show_progress=not opts["no_progress"])
