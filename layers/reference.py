"""Reference rows every installation has (service kinds), and a function that makes sure they exist.

Migration 0003 seeds them; tests that flush the database (transactional tests) call
ensure_reference_data() again.
"""

SERVICE_KINDS = [
    # code, Ukrainian, English, in-house (served by the building's housing office or ОСББ)
    ("water", "холодне водопостачання", "cold water", False),
    ("hot_water", "гаряче водопостачання", "hot water", False),
    ("heating", "опалення", "heating", False),
    ("power", "електропостачання", "power", False),
    ("gas", "газопостачання", "gas", False),
    ("lift", "ліфти", "lifts", False),
    ("waste", "вивезення сміття", "waste removal", False),
    ("in_house", "внутрішньобудинкові мережі та ремонт", "in-house repair", True),
    ("roads", "дороги та освітлення", "roads and street lights", False),
    ("transport", "громадський транспорт", "public transport", False),
    ("other", "інше", "other", False),
]


def ensure_reference_data(service_kind_model=None) -> None:
    """Create or update the service kinds (idempotent). Takes the historical model inside migrations."""
    if service_kind_model is None:
        from layers.models import ServiceKind as service_kind_model
    for code, uk, en, in_house in SERVICE_KINDS:
        service_kind_model.objects.update_or_create(code=code, defaults={"name_uk": uk, "name_en": en, "in_house": in_house})
