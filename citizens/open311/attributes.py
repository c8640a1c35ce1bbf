"""The extra questions the standard categories ask (GeoReport v2 service attributes), as data.

Migration 0002 seeds them; they are edited in the admin afterwards. ensure_attributes() is idempotent
and never overwrites an edit, so a test that flushed the database can seed them again.
"""

from __future__ import annotations

from dataclasses import dataclass

SINCE_HINT = "дата й час у форматі ISO 8601, напр. 2026-12-03T08:30:00+02:00"


@dataclass(frozen=True)
class AttributeSpec:
    code: str
    description: str
    datatype: str  # citizens.open311.models.Datatype
    required: bool = False
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list datatypes


_SINCE_WATER = AttributeSpec("since", "З якого часу немає води?", "datetime", datatype_description=SINCE_HINT)
_FLOOR = AttributeSpec("floor", "Поверх", "number", datatype_description="ціле число, 1 — перший поверх")
_ENTRANCE = AttributeSpec("entrance", "Під'їзд", "number", datatype_description="ціле число")
_EXTENT = AttributeSpec(
    "extent", "Де саме немає?", "singlevaluelist", datatype_description="один ключ зі списку",
    values=(("flat", "лише в мене"), ("entrance", "у під'їзді"), ("building", "в усьому будинку"),
            ("street", "на всій вулиці")),
)

ATTRIBUTES: dict[str, tuple[AttributeSpec, ...]] = {
    "no_cold_water": (_SINCE_WATER, _EXTENT),
    "no_hot_water": (_SINCE_WATER, _EXTENT),
    "no_heating": (
        AttributeSpec("since", "З якого часу немає опалення?", "datetime", datatype_description=SINCE_HINT),
        _EXTENT,
    ),
    "no_power": (
        AttributeSpec("since", "З якого часу немає світла?", "datetime", datatype_description=SINCE_HINT),
        _EXTENT,
    ),
    "lift_stuck": (
        AttributeSpec("people_inside", "Чи є люди в ліфті?", "singlevaluelist", required=True,
                      datatype_description="один ключ зі списку", values=(("yes", "так"), ("no", "ні"))),
        _ENTRANCE,
        AttributeSpec("floor", "На якому поверсі зупинився ліфт?", "number",
                      datatype_description="ціле число, 1 — перший поверх"),
    ),
    "flat_leak": (
        _FLOOR,
        AttributeSpec("source", "Звідки тече?", "singlevaluelist", datatype_description="один ключ зі списку",
                      values=(("above", "із сусідньої квартири згори"), ("riser", "зі стояка"),
                              ("roof", "з даху"), ("unknown", "невідомо"))),
    ),
    "roof_leak": (_FLOOR, _ENTRANCE),
    "garbage": (
        AttributeSpec("waste", "Яке сміття не вивезено?", "multivaluelist", required=True,
                      datatype_description="один або кілька ключів зі списку",
                      values=(("household", "побутове"), ("bulky", "великогабаритне"),
                              ("construction", "будівельне"), ("green", "гілля, листя"))),
        AttributeSpec("since", "З якого дня не вивозять?", "datetime", datatype_description=SINCE_HINT),
    ),
    "street_light": (
        AttributeSpec("lamps", "Скільки ліхтарів не горить?", "number", datatype_description="ціле число"),
    ),
    "road_damage": (
        AttributeSpec("damage", "Що сталося?", "multivaluelist", required=True,
                      datatype_description="один або кілька ключів зі списку",
                      values=(("pothole", "вибоїна"), ("manhole", "відкритий люк"),
                              ("flooding", "підтоплення"), ("sign", "пошкоджений знак"))),
    ),
    "gas_smell": (
        AttributeSpec("where", "Де відчувається запах?", "singlevaluelist", required=True,
                      datatype_description="один ключ зі списку",
                      values=(("flat", "у квартирі"), ("entrance", "у під'їзді"), ("street", "надворі"))),
    ),
}


def ensure_attributes(attribute_model=None, category_model=None) -> int:
    """Create the missing standard attributes of the categories that exist; returns how many were created.

    Takes the historical models inside migrations.
    """
    if attribute_model is None:
        from citizens.open311.models import ServiceAttribute as attribute_model
    if category_model is None:
        from layers.models import Category as category_model
    created = 0
    categories = {c.code: c for c in category_model.objects.filter(code__in=list(ATTRIBUTES))}
    for code, specs in ATTRIBUTES.items():
        category = categories.get(code)
        if category is None:
            continue
        for order, spec in enumerate(specs, start=1):
            _, made = attribute_model.objects.get_or_create(
                category=category, code=spec.code,
                defaults={"description": spec.description, "datatype": spec.datatype, "required": spec.required,
                          "datatype_description": spec.datatype_description, "order": order,
                          "values": [{"key": k, "name": n} for k, n in spec.values]},
            )
            created += made
    return created
