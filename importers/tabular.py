"""Tables (CSV in UTF-8 or cp1251, XLSX) → the provider directory and building assignments.

    import_providers("providers.xlsx", commit=True)
    import_assignments("osbb_buildings.csv", commit=True)

Column names are matched case-insensitively, in English or Ukrainian (see PROVIDER_COLUMNS and
ASSIGNMENT_COLUMNS), or named with ``mapping``. Line numbers in the report are the file's own (the
header is line 1), so a spreadsheet user finds the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.db.models import Q

from importers.core import (
    ImportFileError,
    find_provider,
    import_transaction,
    parse_street,
    service_kind_codes,
    to_date,
    upsert,
)
from importers.report import ImportReport
from layers.housenumbers import parse_housenumber
from layers.models import Building, BuildingAssignment, Provider, ProviderKind

PROVIDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "source_id", "код", "ід"),
    "kind": ("kind", "тип", "вид"),
    "name": ("name", "назва", "название"),
    "short_name": ("short_name", "коротка назва", "скорочено"),
    "phones": ("phones", "phone", "телефони", "телефон", "диспетчерська"),
    "emergency_phone": ("emergency_phone", "аварійний телефон", "аварійна"),
    "is_24_7": ("is_24_7", "24/7", "цілодобово"),
    "hours": ("hours", "години роботи", "графік"),
    "escalation_contact": ("escalation_contact", "ескалація", "керівник"),
    "address": ("address", "адреса"),
    "email": ("email", "e-mail", "пошта"),
    "service_kinds": ("service_kinds", "services", "послуги", "види послуг"),
}
ASSIGNMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "source_id"),
    "provider": ("provider", "виконавець", "осбб"),
    "building_id": ("building_id", "building", "будинок_id"),
    "building_source": ("building_source",),
    "address": ("address", "адреса"),
    "street": ("street", "вулиця"),
    "housenumber": ("housenumber", "номер", "будинок"),
    "neighbourhood": ("neighbourhood", "мікрорайон"),
    "service_kinds": ("service_kinds", "services", "послуги"),
    "valid_from": ("valid_from", "діє з"),
    "valid_to": ("valid_to", "діє до"),
    "note": ("note", "примітка"),
}

_KIND_WORDS = {label.lower(): value for value, label in ProviderKind.choices} | {
    value: value for value in ProviderKind.values
} | {"жэк": "housing_office", "осмд": "condominium", "рэс": "power_district", "теплосеть": "heating_network",
     "тепломережі": "heating_network", "газ": "gas"}
_TRUE = {"1", "true", "yes", "так", "да", "t", "y", "+", "24/7", "цілодобово"}


# ---------------------------------------------------------------------------------------------------
# Reading


def read_table(path: str | Path, *, report: ImportReport, sheet: str | None = None) -> Iterator[tuple[int, dict]]:
    """(line number, {header: value}) for every non-empty row of a CSV or XLSX file."""
    p = Path(path)
    if not p.exists():
        raise ImportFileError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ImportFileError(f"{p}: the file is empty")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(p, sheet)
    elif p.suffix.lower() in (".csv", ".txt", ".tsv"):
        rows = _csv_rows(p, report)
    else:
        raise ImportFileError(f"{p}: expected a .csv or .xlsx file")
    header: list[str] | None = None
    for line, values in rows:
        cells = ["" if v is None else (v.strip() if isinstance(v, str) else v) for v in values]
        if not any(c not in ("", None) for c in cells):
            continue
        if header is None:
            header = [str(c).strip() for c in cells]
            continue
        yield line, dict(zip(header, cells, strict=False))
    if header is None:
        raise ImportFileError(f"{p}: no header row")


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV file: UTF-8 (with or without BOM) if it decodes, else cp1251.

    >>> decode("вулиця".encode("cp1251"))
    ('вулиця', 'cp1251')
    >>> decode("вулиця".encode("utf-8"))
    ('вулиця', 'utf-8')
    """
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "cp1251"


def delimiter(text: str) -> str:
    """The separator of a CSV file, judged by its header line (Excel in Ukraine writes ";").

    >>> delimiter("id;name;phones\\n1;ЖЕК, № 1;+380"), delimiter("id,name\\n")
    (';', ',')
    """
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def _csv_rows(p: Path, report: ImportReport) -> Iterator[tuple[int, list]]:
    text, encoding = decode(p.read_bytes())
    if encoding != "utf-8":
        report.warn(None, "", f"read as {encoding} (not UTF-8)")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter(text))
    for values in reader:
        yield reader.line_num, values


def _xlsx_rows(p: Path, sheet: str | None) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{p}: not a readable XLSX workbook: {exc}") from exc
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
    except KeyError:
        raise ImportFileError(f"{p}: no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}") from None
    for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
        yield line, list(values)
    wb.close()


def _columns(row: dict, wanted: dict[str, tuple[str, ...]], mapping: dict[str, str] | None) -> dict[str, str]:
    """Our field → the header it is read from (explicit mapping first)."""
    lower = {str(k).strip().lower(): k for k in row}
    out: dict[str, str] = {}
    for field, column in (mapping or {}).items():
        if field not in wanted:
            raise ImportFileError(f"--map {field}=…: no field {field!r}; fields: {', '.join(wanted)}")
        if column.lower() not in lower:
            raise ImportFileError(f"--map {field}={column}: no column {column!r}; columns: {', '.join(map(str, row))}")
        out[field] = lower[column.lower()]
    for field, names in wanted.items():
        if field not in out:
            found = next((lower[n] for n in names if n in lower), None)
            if found is not None:
                out[field] = found
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn ids and phone numbers into floats
    return str(value).strip()


def _phones(value: object) -> list[str]:
    return [p.strip() for p in _text(value).replace(";", ",").split(",") if p.strip()]


# ---------------------------------------------------------------------------------------------------
# Providers


def import_providers(path: str | Path, *, source: str | None = None, mapping: dict[str, str] | None = None,
                     sheet: str | None = None, commit: bool = False, strict: bool = False) -> ImportReport:
    """The provider directory: one provider per row, updated by its id (or its name when there is no id)."""
    source = source or Path(path).name.split(".")[0]
    report = ImportReport(importer="providers", path=str(path), source=source)
    with import_transaction(report, commit=commit, strict=strict):
        cols: dict[str, str] | None = None
        seen: dict[str, int] = {}
        for line, row in read_table(path, report=report, sheet=sheet):
            report.rows_read += 1
            if cols is None:
                cols = _columns(row, PROVIDER_COLUMNS, mapping)
                if "name" not in cols or "kind" not in cols:
                    raise ImportFileError(f"{path}: needs columns for name and kind; has {', '.join(map(str, row))}")
            get = {f: row.get(c) for f, c in cols.items()}
            name = _text(get.get("name"))
            source_id = _text(get.get("id")) or name
            if not name:
                report.reject(line, source_id, "no name")
                continue
            if source_id in seen:
                report.reject(line, source_id, f"duplicate id in the file (first at line {seen[source_id]})")
                continue
            seen[source_id] = line
            kind = _KIND_WORDS.get(_text(get.get("kind")).lower())
            if kind is None:
                report.reject(line, source_id, f"unknown provider kind «{_text(get.get('kind'))}»; "
                                               f"one of {', '.join(ProviderKind.values)}")
                continue
            codes, unknown = service_kind_codes(get.get("service_kinds"))
            if unknown:
                report.reject(line, source_id, f"unknown service kind(s): {', '.join(unknown)}")
                continue
            phones = _phones(get.get("phones"))
            values = {
                "kind": kind, "name": name[:200], "short_name": _text(get.get("short_name"))[:64], "phones": phones,
                "emergency_phone": _text(get.get("emergency_phone"))[:32],
                "is_24_7": _text(get.get("is_24_7")).lower() in _TRUE, "hours": _text(get.get("hours"))[:120],
                "escalation_contact": _text(get.get("escalation_contact"))[:200],
                "address": _text(get.get("address"))[:200], "email": _text(get.get("email"))[:254],
            }
            if not phones and not values["emergency_phone"]:
                report.warn(line, source_id, "no dispatch phone")
            m2m = {"service_kinds": codes} if "service_kinds" in cols else None
            _, outcome = upsert(Provider, source=source, source_id=source_id[:128], values=values, m2m=m2m)
            report.count("provider", **{outcome: 1})
    return report


# ---------------------------------------------------------------------------------------------------
# Building assignments


def find_building(*, building_id: str = "", building_source: str = "", address: str = "", street: str = "",
                  housenumber: str = "", neighbourhood: str = "") -> tuple[Building | None, str]:
    """The one building a row names: by source id, or by street (name or alias) and house number."""
    if building_id:
        qs = Building.objects.filter(source_id=building_id)
        if building_source:
            qs = qs.filter(source=building_source)
        found = list(qs[:2])
        if len(found) == 1:
            return found[0], ""
        return None, (f"no building with id «{building_id}»" if not found
                      else f"building id «{building_id}» exists in several sources; give building_source")
    if address and not street:
        street, _, housenumber = address.rpartition(",")
        if not street:
            return None, f"address «{address}» has no house number (write «вулиця Паркова, 12»)"
    if not street or not housenumber:
        return None, "no building_id and no address (street and house number)"
    sn = parse_street(street)
    hn = parse_housenumber(housenumber.strip())
    by_name = Q(street__name__iexact=sn.name)
    if sn.street_type:
        by_name &= Q(street__street_type=sn.street_type)
    qs = Building.objects.filter(housenumber_key=hn.key).filter(by_name | Q(street__aliases__name__iexact=sn.name))
    if neighbourhood:
        qs = qs.filter(Q(street__neighbourhood__name_uk__iexact=neighbourhood)
                       | Q(street__neighbourhood__name_ru__iexact=neighbourhood))
    found = list(qs.distinct()[:3])
    label = f"{street.strip()}, {housenumber.strip()}"
    if not found:
        return None, f"no building at «{label}»"
    if len(found) > 1:
        return None, f"«{label}» matches {len(found)} buildings (the street name repeats?): add a neighbourhood or building_id"
    return found[0], ""


def import_assignments(path: str | Path, *, source: str | None = None, mapping: dict[str, str] | None = None,
                       sheet: str | None = None, commit: bool = False, strict: bool = False) -> ImportReport:
    """Building → provider for some service kinds (an ОСББ of one block); beats any service-area polygon."""
    source = source or Path(path).name.split(".")[0]
    report = ImportReport(importer="assignments", path=str(path), source=source)
    with import_transaction(report, commit=commit, strict=strict):
        cols: dict[str, str] | None = None
        seen: dict[tuple, int] = {}
        for line, row in read_table(path, report=report, sheet=sheet):
            report.rows_read += 1
            if cols is None:
                cols = _columns(row, ASSIGNMENT_COLUMNS, mapping)
                if "provider" not in cols:
                    raise ImportFileError(f"{path}: needs a provider column; has {', '.join(map(str, row))}")
            get = {f: _text(row.get(c)) for f, c in cols.items()}
            source_id = get.get("id", "")
            prov, why = find_provider(get.get("provider"))
            if prov is None:
                report.reject(line, source_id, why)
                continue
            bld, why = find_building(
                building_id=get.get("building_id", ""), building_source=get.get("building_source", ""),
                address=get.get("address", ""), street=get.get("street", ""), housenumber=get.get("housenumber", ""),
                neighbourhood=get.get("neighbourhood", ""),
            )
            if bld is None:
                report.reject(line, source_id, why)
                continue
            key = ("id", source_id) if source_id else ("pair", bld.pk, prov.pk)
            if key in seen:
                report.reject(line, source_id, f"duplicate row in the file (first at line {seen[key]})")
                continue
            seen[key] = line
            codes, unknown = service_kind_codes(get.get("service_kinds")) if get.get("service_kinds") else (
                list(prov.service_kinds.values_list("code", flat=True)), [])
            if unknown:
                report.reject(line, source_id, f"unknown service kind(s): {', '.join(unknown)}")
                continue
            if not codes:
                report.reject(line, source_id, "no service kinds (a service_kinds column, or kinds on the provider)")
                continue
            try:
                valid_from, valid_to = to_date(get.get("valid_from")), to_date(get.get("valid_to"))
            except ValueError as exc:
                report.reject(line, source_id, str(exc))
                continue
            _, outcome = upsert(
                BuildingAssignment, source=source, source_id=source_id[:128],
                values={"building": bld, "provider": prov, "valid_from": valid_from, "valid_to": valid_to,
                        "note": get.get("note", "")[:200]},
                m2m={"service_kinds": codes}, lookup={"building": bld, "provider": prov},
            )
            report.count("assignment", **{outcome: 1})
    return report
