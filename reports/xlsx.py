"""The period report as XLSX (xlsxwriter): a sheet per breakdown, numbers as number cells, totals stored as
values, frozen header rows, Ukrainian formats (dd.mm.yyyy dates; the thousands separator and the decimal
comma come from the reader's locale, which is how Excel number formats work).
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from reports.period import Breakdown, PeriodReport

UA_DATE = "[$-422]dd.mm.yyyy"
UA_MONTH = "[$-422]mm.yyyy"


def _ratio(a, b):
    return None if not b else a / b


def period_xlsx(report: PeriodReport) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "default_date_format": UA_DATE})
    head = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True, "valign": "top"})
    text = wb.add_format({"text_wrap": False})
    integer = wb.add_format({"num_format": "#,##0"})
    decimal = wb.add_format({"num_format": "#,##0.0"})
    decimal2 = wb.add_format({"num_format": "0.00"})
    percent = wb.add_format({"num_format": "0.0%"})
    date_f = wb.add_format({"num_format": UA_DATE})
    month_f = wb.add_format({"num_format": UA_MONTH})
    bold_int = wb.add_format({"num_format": "#,##0", "bold": True})
    bold_pct = wb.add_format({"num_format": "0.0%", "bold": True})
    bold = wb.add_format({"bold": True})
    formats = {"num": integer, "dec": decimal, "dec2": decimal2, "pct": percent}

    def put(ws, r, c, value, fmt):
        if value is None:
            ws.write_blank(r, c, None, fmt)
        else:
            ws.write_number(r, c, value, fmt)

    def header(ws, columns, widths):
        for c, (name, width) in enumerate(zip(columns, widths, strict=True)):
            ws.write_string(0, c, name, head)
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 1)

    cmp_cols = [_("період"), _("рік тому"), _("зміна"), _("зміна, %")]
    p, q = report.period, report.previous

    ws = wb.add_worksheet(_("Про звіт"))
    header(ws, [_("параметр"), _("значення")], [34, 40])
    about = [(_("Період"), p.start, p.end), (_("Порівняно з"), q.start, q.end)]
    for r, (label, a, b) in enumerate(about, start=1):
        ws.write_string(r, 0, label, text)
        ws.write_datetime(r, 1, _dt(a), date_f)
        ws.write_datetime(r, 2, _dt(b), date_f)
    ws.write_string(3, 0, _("Складено"))
    ws.write_datetime(3, 1, report.now.replace(tzinfo=None), wb.add_format({"num_format": UA_DATE + " hh:mm"}))
    ws.write_string(4, 0, _("Примітка"))
    ws.write_string(4, 1, _("Дзвінки і звернення лічаться окремо; час виконання — для виконаних за період."))

    ws = wb.add_worksheet(_("Підсумок"))
    header(ws, [_("показник")] + cmp_cols, [44, 14, 14, 12, 12])
    lines = [(report.calls.label, report.calls.current, report.calls.previous, "num"),
             (report.appeals.label, report.appeals.current, report.appeals.previous, "num")]
    lines += report.quality_rows()
    for r, (label, cur, prev, kind) in enumerate(lines, start=1):
        ws.write_string(r, 0, label)
        put(ws, r, 1, cur, formats[kind])
        put(ws, r, 2, prev, formats[kind])
        if cur is not None and prev is not None:
            put(ws, r, 3, cur - prev, formats[kind] if kind != "num" else integer)
            if kind == "num":
                put(ws, r, 4, _ratio(cur - prev, prev), percent)

    for b in report.breakdowns:
        _breakdown_sheet(wb, b, header, cmp_cols, integer, percent, bold_int, bold_pct, bold)

    ws = wb.add_worksheet(_("Помісячно"))
    header(ws, [_("місяць"), _("дзвінки"), _("звернення"), _("дзвінки рік тому"), _("звернення рік тому")],
           [12, 12, 12, 16, 18])
    totals = [0, 0, 0, 0]
    for r, (m, calls, appeals, calls_prev, appeals_prev) in enumerate(report.monthly, start=1):
        ws.write_datetime(r, 0, _dt(m), month_f)
        for c, v in enumerate((calls, appeals, calls_prev, appeals_prev)):
            ws.write_number(r, c + 1, v, integer)
            totals[c] += v
    r = len(report.monthly) + 1
    ws.write_string(r, 0, _("Разом"), bold)
    for c, v in enumerate(totals):
        ws.write_number(r, c + 1, v, bold_int)

    if report.performance:
        performance_sheet(wb, report.performance, header, integer, percent, decimal, decimal2)

    wb.close()
    return buf.getvalue()


def _dt(d):
    from datetime import datetime

    return datetime(d.year, d.month, d.day)


# Sheet names are at most 31 characters; the long titles get a short name.
SHEET_NAMES = {"confirmation": "Підтвердження заявниками", "formal": "За Законом і без контактів"}


def _breakdown_sheet(wb, b: Breakdown, header, cmp_cols, integer, percent, bold_int, bold_pct, bold):
    ws = wb.add_worksheet(SHEET_NAMES.get(b.key, b.title)[:31].replace(":", ""))
    header(ws, [b.head] + cmp_cols, [44, 14, 14, 12, 12])
    rows = list(b.rows)
    for r, row in enumerate(rows, start=1):
        ws.write_string(r, 0, row.label)
        ws.write_number(r, 1, row.current, integer)
        ws.write_number(r, 2, row.previous, integer)
        ws.write_number(r, 3, row.diff, integer)
        if row.pct is None:
            ws.write_blank(r, 4, None, percent)
        else:
            ws.write_number(r, 4, row.pct, percent)
    r = len(rows) + 1
    if b.total is not None:
        t = b.total
        ws.write_string(r, 0, t.label, bold)
        ws.write_number(r, 1, t.current, bold_int)
        ws.write_number(r, 2, t.previous, bold_int)
        ws.write_number(r, 3, t.diff, bold_int)
        if t.pct is not None:
            ws.write_number(r, 4, t.pct, bold_pct)
        r += 1
    if b.note:
        ws.write_string(r + 1, 0, b.note)


PERFORMANCE_COLUMNS = [
    ("name", "виконавець", 36, "text"), ("kind", "тип", 16, "text"),
    ("received", "отримано", 11, "num"), ("accepted_in_time", "прийнято вчасно", 11, "num"),
    ("accepted_in_time_share", "частка прийнятих вчасно", 11, "pct"),
    ("rejected", "відхилено «не наше»", 11, "num"), ("rejected_proved_right", "з них переадресація підтвердила", 13, "num"),
    ("proved_right_share", "частка підтверджених", 11, "pct"),
    ("resolved", "виконано", 11, "num"), ("resolved_on_time", "виконано вчасно", 11, "num"),
    ("on_time_share", "частка вчасно", 11, "pct"), ("overdue_now", "прострочено зараз", 11, "num"),
    ("median_hours", "медіана часу виконання, год", 13, "dec"), ("reopen_share", "частка повторно відкритих", 11, "pct"),
    ("mean_rating", "середня оцінка", 10, "dec2"),
]


def performance_sheet(wb, rows, header, integer, percent, decimal, decimal2):
    ws = wb.add_worksheet(_("Ефективність виконавців"))
    header(ws, [_(c[1]) for c in PERFORMANCE_COLUMNS], [c[2] for c in PERFORMANCE_COLUMNS])
    fmt = {"num": integer, "pct": percent, "dec": decimal, "dec2": decimal2}
    for r, p in enumerate(rows, start=1):
        for c, (attr, _label, _w, kind) in enumerate(PERFORMANCE_COLUMNS):
            value = getattr(p, attr)
            if kind == "text":
                ws.write_string(r, c, str(value))
            elif value is None:
                ws.write_blank(r, c, None, fmt[kind])
            else:
                ws.write_number(r, c, value, fmt[kind])
    ws.autofilter(0, 0, max(len(rows), 1), len(PERFORMANCE_COLUMNS) - 1)


def performance_xlsx(rows) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1, "text_wrap": True, "valign": "top"})

    def header(ws, columns, widths):
        for c, (name, width) in enumerate(zip(columns, widths, strict=True)):
            ws.write_string(0, c, name, head)
            ws.set_column(c, c, width)
        ws.freeze_panes(1, 1)

    performance_sheet(wb, rows, header, wb.add_format({"num_format": "#,##0"}), wb.add_format({"num_format": "0.0%"}),
                      wb.add_format({"num_format": "#,##0.0"}), wb.add_format({"num_format": "0.00"}))
    wb.close()
    return buf.getvalue()
