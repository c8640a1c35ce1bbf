"""The service kinds every provider, area and category refers to (stable codes used in APIs)."""

from django.db import migrations

KINDS = [
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


def forward(apps, schema_editor):
    ServiceKind = apps.get_model("layers", "ServiceKind")
    for code, uk, en, in_house in KINDS:
        ServiceKind.objects.update_or_create(code=code, defaults={"name_uk": uk, "name_en": en, "in_house": in_house})


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_servicearea_subdivide_trigger")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
