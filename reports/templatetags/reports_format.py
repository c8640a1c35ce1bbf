"""Ukrainian number formats for the reports: 12 345 (a no-break space between thousands), 12,5 %.

>>> num(1234567)
'1\\xa0234\\xa0567'
>>> num(None)
'—'
>>> pct(0.1234)
'12,3\\xa0%'
>>> dec(2.26)
'2,3'
>>> signed(-12)
'−12'
"""

from __future__ import annotations

from django import template

register = template.Library()
NBSP = "\u00a0"


@register.filter
def num(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{int(round(value)):,}".replace(",", NBSP)


@register.filter
def dec(value, places: int = 1) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):,.{int(places)}f}".replace(",", NBSP).replace(".", ",")


@register.filter
def pct(value) -> str:
    """A share (0.123) as a percentage."""
    if value is None or value == "":
        return "—"
    return dec(float(value) * 100, 1) + NBSP + "%"


@register.filter
def signed(value) -> str:
    """A change with its sign: +12, −3, 0."""
    if value is None:
        return "—"
    v = int(round(value))
    return ("+" if v > 0 else "−" if v < 0 else "") + num(abs(v))


@register.filter
def signed_pct(value) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + pct(abs(value))
