"""The appeal categories every installation starts with (editable in the admin afterwards).

Migration 0004 seeds them; ensure_categories() is idempotent, so a test that flushes the
database can seed them again. Deadlines are in hours: emergencies within the shift, routine
ones within the 15 days of the Law "On citizens' appeals" (art. 20).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name_uk: str
    name_ru: str
    service_kinds: tuple[str, ...]  # ServiceKind codes; two kinds mean two providers are routed
    deadline_hours: int
    is_emergency: bool = False
    street_level: bool = False  # roads, street lights, transport: duplicates are sought within 150 m
    is_public: bool = True
    is_consultation: bool = False


FIFTEEN_DAYS = 15 * 24

CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("no_cold_water", "Немає холодної води", "Нет холодной воды", ("water",), 24, is_emergency=True),
    # Hot water needs the heating network (the main) and the building's ЖЕК or ОСББ (the risers).
    CategorySpec("no_hot_water", "Немає гарячої води", "Нет горячей воды", ("hot_water", "in_house"), 24,
                 is_emergency=True),
    CategorySpec("no_heating", "Немає опалення", "Нет отопления", ("heating",), 24, is_emergency=True),
    CategorySpec("no_power", "Немає світла", "Нет света", ("power",), 12, is_emergency=True),
    CategorySpec("lift_stuck", "Застряг ліфт", "Застрял лифт", ("lift",), 2, is_emergency=True),
    CategorySpec("garbage", "Не вивезено сміття", "Не вывезен мусор", ("waste",), 48),
    CategorySpec("flat_leak", "Протікання у квартирі", "Протечка в квартире", ("in_house",), 6, is_emergency=True),
    CategorySpec("roof_leak", "Протікання покрівлі", "Протекает крыша", ("in_house",), 72),
    CategorySpec("sewage", "Каналізація", "Канализация", ("water",), 24, is_emergency=True),
    CategorySpec("street_light", "Не горить вуличне освітлення", "Не горит уличное освещение", ("roads",), 72,
                 street_level=True),
    CategorySpec("road_damage", "Пошкодження дороги", "Повреждение дороги", ("roads",), FIFTEEN_DAYS,
                 street_level=True),
    CategorySpec("transport", "Громадський транспорт", "Общественный транспорт", ("transport",), FIFTEEN_DAYS,
                 street_level=True),
    CategorySpec("gas_smell", "Запах газу", "Запах газа", ("gas",), 1, is_emergency=True),
    CategorySpec("consultation", "Консультація", "Консультация", (), FIFTEEN_DAYS, is_public=False,
                 is_consultation=True),
    CategorySpec("other", "Інше", "Другое", ("other",), FIFTEEN_DAYS),
)


def ensure_categories(category_model=None, service_kind_model=None) -> None:
    """Create the standard categories that are missing (idempotent; never overwrites an admin's edits).

    Takes the historical models inside migrations.
    """
    if category_model is None:
        from layers.models import Category as category_model
    if service_kind_model is None:
        from layers.models import ServiceKind as service_kind_model
    for order, spec in enumerate(CATEGORIES, start=1):
        category, created = category_model.objects.get_or_create(
            code=spec.code,
            defaults={"name_uk": spec.name_uk, "name_ru": spec.name_ru, "deadline_hours": spec.deadline_hours,
                      "is_emergency": spec.is_emergency, "street_level": spec.street_level,
                      "is_public": spec.is_public, "is_consultation": spec.is_consultation, "sort_order": order * 10},
        )
        if created:
            category.service_kinds.set(service_kind_model.objects.filter(code__in=spec.service_kinds))
