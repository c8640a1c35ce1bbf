"""manage.py import_providers FILE.csv|FILE.xlsx [--map field=column …] [--commit]"""

from django.core.management.base import BaseCommand

from importers.cli import add_common_arguments, parse_mapping, run
from importers.tabular import PROVIDER_COLUMNS, import_providers


class Command(BaseCommand):
    help = "Import the provider directory from a CSV (UTF-8 or cp1251) or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--map", action="append", metavar="FIELD=COLUMN",
                            help="take FIELD from COLUMN; fields: " + ", ".join(PROVIDER_COLUMNS))
        parser.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
        add_common_arguments(parser)

    def handle(self, *args, **opts):
        run(self, import_providers, opts["path"], source=opts["source"], mapping=parse_mapping(opts["map"]),
            sheet=opts["sheet"], commit=opts["commit"], strict=opts["strict"])
