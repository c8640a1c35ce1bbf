"""What the import management commands share: common options, running a core function, printing its report."""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import CommandError, CommandParser

from importers.core import ImportAborted, ImportFileError
from importers.report import ImportReport


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("--commit", action="store_true", help="write the changes (default: a dry run that writes nothing)")
    parser.add_argument("--strict", action="store_true", help="any rejected row aborts the whole import")
    parser.add_argument("--source", default=None, help="source name recorded on every row (default: the file name)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """["street=VUL", "housenumber=NOM"] → {"street": "VUL", "housenumber": "NOM"}."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise CommandError(f"--map expects FIELD=COLUMN, got {pair!r}")
        out[field.strip()] = column.strip()
    return out


def run(command, fn: Callable[..., ImportReport], /, *args, **kwargs) -> ImportReport:
    """Call a core import function and print its report; fatal import errors become CommandError (exit 1)."""
    try:
        report = fn(*args, **kwargs)
    except (ImportFileError, ImportAborted) as exc:
        raise CommandError(f"{exc}\nNothing was written.") from exc
    command.stdout.write(report.format())
    return report
