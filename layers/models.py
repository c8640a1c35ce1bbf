"""The city registry.

Everything is stored in EPSG:4326 (gis.srid.STORAGE_SRID); measure in METRIC_SRID.
A building-level assignment (BuildingAssignment) beats any service-area polygon.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gis.srid import STORAGE_SRID


class SourceMixin(models.Model):
    """Where a row came from; (source, source_id) is unique so re-imports update, never duplicate."""

    source = models.CharField(_("джерело"), max_length=64, default="manual", db_index=True)
    source_id = models.CharField(_("ідентифікатор у джерелі"), max_length=128, blank=True, default="")

    class Meta:
        abstract = True


def _source_unique(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["source", "source_id"], condition=~Q(source_id=""), name=f"{model_name}_unique_source_id"
    )


def _valid_geom(model_name: str, field: str = "geom") -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__isvalid": True}), name=f"{model_name}_{field}_valid")


class Boundary(SourceMixin):
    """An administrative boundary (the hromada, the city proper): the frame of the basemap and of imports."""

    name_uk = models.CharField(_("назва"), max_length=160)
    name_ru = models.CharField(_("назва російською"), max_length=160, blank=True, default="")
    name_en = models.CharField(_("назва англійською"), max_length=160, blank=True, default="")
    admin_level = models.PositiveSmallIntegerField(_("адміністративний рівень"), null=True, blank=True)
    geom = models.MultiPolygonField(_("межа"), srid=STORAGE_SRID)

    class Meta:
        verbose_name = _("адміністративна межа")
        verbose_name_plural = _("адміністративні межі")
        constraints = [_source_unique("boundary"), _valid_geom("boundary")]

    def __str__(self) -> str:
        return self.name_uk


class NeighbourhoodKind(models.TextChoices):
    DISTRICT = "district", _("мікрорайон")
    SETTLEMENT = "settlement", _("селище")
    VILLAGE = "village", _("село")


class Neighbourhood(SourceMixin):
    """Мікрорайон / селище: the hint a caller gives ("пос. Семеновка")."""

    name_uk = models.CharField(_("назва"), max_length=128)
    name_ru = models.CharField(_("назва російською"), max_length=128, blank=True, default="")
    kind = models.CharField(_("тип"), max_length=16, choices=NeighbourhoodKind.choices, default=NeighbourhoodKind.DISTRICT)
    urban = models.BooleanField(_("міська забудова"), default=False, help_text=_("багатоквартирні будинки"))
    geom = models.MultiPolygonField(_("межа"), srid=STORAGE_SRID, null=True, blank=True)

    class Meta:
        verbose_name = _("мікрорайон / селище")
        verbose_name_plural = _("мікрорайони та селища")
        ordering = ["name_uk"]
        constraints = [_source_unique("neighbourhood"), _valid_geom("neighbourhood")]

    def __str__(self) -> str:
        return self.name_uk


class StreetType(models.TextChoices):
    STREET = "вулиця", _("вулиця")
    LANE = "провулок", _("провулок")
    AVENUE = "проспект", _("проспект")
    BOULEVARD = "бульвар", _("бульвар")
    SQUARE = "площа", _("площа")
    HIGHWAY = "шосе", _("шосе")
    DEAD_END = "тупик", _("тупик")
    PASSAGE = "проїзд", _("проїзд")
    DESCENT = "узвіз", _("узвіз")
    EMBANKMENT = "набережна", _("набережна")
    MAIDAN = "майдан", _("майдан")
    MICRODISTRICT = "мікрорайон", _("мікрорайон")
    QUARTER = "квартал", _("квартал")
    LINE = "лінія", _("лінія")


class Street(SourceMixin):
    """A street: canonical Ukrainian name without the type word, and its type.

    A name may legitimately repeat in two neighbourhoods (Шкільна), so the
    neighbourhood is part of the identity.
    """

    name = models.CharField(_("назва"), max_length=160, db_index=True)
    # Blank for a name with no type word (a foreign extract, or a street tagged without one): the name
    # alone is then the street's name and search key; no "вулиця" is invented into it.
    street_type = models.CharField(_("тип"), max_length=16, choices=StreetType.choices, blank=True,
                                   default=StreetType.STREET)
    neighbourhood = models.ForeignKey(
        Neighbourhood, verbose_name=_("мікрорайон"), on_delete=models.PROTECT, null=True, blank=True, related_name="streets"
    )
    geom = models.MultiLineStringField(_("вісь"), srid=STORAGE_SRID, null=True, blank=True)

    class Meta:
        verbose_name = _("вулиця")
        verbose_name_plural = _("вулиці")
        ordering = ["name"]
        constraints = [
            _source_unique("street"),
            models.UniqueConstraint(
                fields=["name", "street_type", "neighbourhood"], name="street_unique_name_type_neighbourhood",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.street_type} {self.name}" if self.street_type else self.name


class AliasKind(models.TextChoices):
    RUSSIAN = "ru", _("російська назва")
    OLD = "old", _("стара назва")
    MISSPELLING = "typo", _("поширена помилка")
    SHORT = "short", _("скорочення")
    OTHER = "other", _("інше")


class StreetAlias(models.Model):
    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("вулиця"))
    name = models.CharField(_("назва"), max_length=160, db_index=True)
    street_type = models.CharField(_("тип"), max_length=16, blank=True, default="", help_text=_("як пишуть у цій назві"))
    kind = models.CharField(_("вид"), max_length=8, choices=AliasKind.choices)
    valid_until_year = models.PositiveSmallIntegerField(_("до року"), null=True, blank=True)

    class Meta:
        verbose_name = _("інша назва вулиці")
        verbose_name_plural = _("інші назви вулиць")
        constraints = [models.UniqueConstraint(fields=["street", "name", "kind"], name="streetalias_unique")]

    def __str__(self) -> str:
        return f"{self.name} → {self.street}"


class BuildingKind(models.TextChoices):
    APARTMENT = "apartment", _("багатоквартирний")
    HOUSE = "house", _("приватний")
    PUBLIC = "public", _("громадський")
    OTHER = "other", _("інший")


class Building(SourceMixin):
    """A building: the routing key.

    housenumber is as written ("12/1 корп. 2"); number/letter/fraction/block are
    its normalised parts and housenumber_key their canonical join ("12/1к2").

    Indexes are few on purpose (every one is paid for on each imported row): no index on source alone
    (the unique (source, source_id) index serves the importers), none on street alone (the
    (street, housenumber_key) index serves it) and no LIKE-pattern copies (nothing searches by prefix).
    """

    source = models.CharField(_("джерело"), max_length=64, default="manual")
    geom = models.MultiPolygonField(_("контур"), srid=STORAGE_SRID)
    point = models.PointField(_("точка всередині"), srid=STORAGE_SRID)
    street = models.ForeignKey(Street, on_delete=models.PROTECT, null=True, blank=True, related_name="buildings",
                               verbose_name=_("вулиця"), db_index=False)
    housenumber = models.CharField(_("номер як записано"), max_length=32, blank=True, default="")
    number = models.PositiveIntegerField(_("номер"), null=True, blank=True)
    letter = models.CharField(_("літера"), max_length=4, blank=True, default="")
    fraction = models.CharField(_("дріб"), max_length=8, blank=True, default="")
    block = models.CharField(_("корпус"), max_length=8, blank=True, default="")
    housenumber_key = models.CharField(_("ключ номера"), max_length=32, blank=True, default="")
    kind = models.CharField(_("тип"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.OTHER)
    floors = models.PositiveSmallIntegerField(_("поверхів"), null=True, blank=True)
    flats = models.PositiveIntegerField(_("квартир"), null=True, blank=True)
    residents = models.PositiveIntegerField(_("мешканців (оцінка)"), null=True, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("мікрорайон")
    )

    class Meta:
        verbose_name = _("будинок")
        verbose_name_plural = _("будинки")
        constraints = [
            _source_unique("building"),
            _valid_geom("building"),
        ]
        indexes = [
            models.Index(fields=["street", "housenumber_key"], name="building_street_number"),
            models.Index(fields=["housenumber_key"], name="building_housenumber_key"),
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        """The main address; for a building whose addresses sit only on nodes inside it (address points,
        entrances: common in OpenStreetMap), those addresses joined by " / "; "будинок без адреси" and the id
        only when it has none at all."""
        if self.street_id is not None:
            return f"{self.street.full_name}, {self.housenumber}"
        if self.pk is not None:
            labels = self.other_addresses()
            if labels:
                return " / ".join(labels)
        return self.housenumber or _("будинок без адреси #%(id)s") % {"id": self.pk}

    def other_addresses(self, limit: int = 3) -> list[str]:
        """Labels of the addresses linked to this building (prefetched `addresses` used when present)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        rows = (list(cache["addresses"]) if "addresses" in cache
                else list(self.addresses.select_related("street").order_by("street__name", "number", "housenumber",
                                                                           "id")[:limit]))
        return list(dict.fromkeys(a.label for a in rows))[:limit]


class Address(SourceMixin):
    """An address: a street (or, in a village without streets, a place name) and a house number, at a point.

    A building may carry several (a corner block "Паркова 12 / Миру 5", one per entrance or section); an
    address with no building is an address point, geocoded and routed by its point. The building's own
    address (Building.street and housenumber) is its main address (``is_main``): that row is written by the
    database itself (migration 0008), whatever writes the building, so never edit a main row by hand.
    housenumber is as written; number … housenumber_key its normalised parts, as on Building.
    A deleted building takes its main address with it; its other addresses stay as address points.
    """

    source = models.CharField(_("джерело"), max_length=64, default="manual")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, null=True, blank=True, related_name="addresses",
                               verbose_name=_("вулиця"), db_index=False)
    place = models.CharField(_("населений пункт"), max_length=128, blank=True, default="",
                             help_text=_("для адрес без вулиці (addr:place)"))
    housenumber = models.CharField(_("номер як записано"), max_length=32, blank=True, default="")
    number = models.PositiveIntegerField(_("номер"), null=True, blank=True)
    letter = models.CharField(_("літера"), max_length=4, blank=True, default="")
    fraction = models.CharField(_("дріб"), max_length=8, blank=True, default="")
    block = models.CharField(_("корпус"), max_length=8, blank=True, default="")
    housenumber_key = models.CharField(_("ключ номера"), max_length=32, blank=True, default="")
    point = models.PointField(_("точка"), srid=STORAGE_SRID)
    # DO_NOTHING in Python: the database trigger of migration 0008 deletes the main address and detaches
    # the others, for the ORM and raw SQL alike (the foreign key is checked at commit).
    building = models.ForeignKey(Building, on_delete=models.DO_NOTHING, null=True, blank=True,
                                 related_name="addresses", verbose_name=_("будинок"))
    is_main = models.BooleanField(_("основна адреса будинку"), default=False)
    entrance = models.CharField(_("під'їзд"), max_length=16, blank=True, default="")
    flats = models.CharField(_("квартири"), max_length=64, blank=True, default="", help_text=_("напр. 1-36"))

    class Meta:
        verbose_name = _("адреса")
        verbose_name_plural = _("адреси")
        constraints = [
            _source_unique("address"),
            models.UniqueConstraint(fields=["building"], condition=Q(is_main=True), name="address_one_main"),
            models.CheckConstraint(condition=Q(street__isnull=False) | ~Q(place=""), name="address_street_or_place"),
        ]
        indexes = [models.Index(fields=["street", "housenumber_key"], name="address_street_number")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        where = self.street.full_name if self.street_id is not None else self.place
        return f"{where}, {self.housenumber}" if self.housenumber else where


class ServiceKind(models.Model):
    """What a provider does: water, heating, power... code is stable and used in APIs."""

    code = models.SlugField(_("код"), max_length=32, primary_key=True)
    name_uk = models.CharField(_("назва"), max_length=64)
    name_en = models.CharField(_("назва англійською"), max_length=64, blank=True, default="")
    in_house = models.BooleanField(
        _("внутрішньобудинкова"), default=False, help_text=_("обслуговує ЖЕК або ОСББ будинку"),
    )

    class Meta:
        verbose_name = _("вид послуги")
        verbose_name_plural = _("види послуг")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_uk


class ProviderKind(models.TextChoices):
    HOUSING_OFFICE = "housing_office", _("ЖЕК")
    CONDOMINIUM = "condominium", _("ОСББ")
    POWER_DISTRICT = "power_district", _("РЕС")
    WATER_UTILITY = "water_utility", _("водоканал")
    HEATING_NETWORK = "heating_network", _("тепломережа")
    WASTE_OPERATOR = "waste_operator", _("вивіз сміття")
    LIFT_SERVICE = "lift_service", _("ліфтова служба")
    GAS = "gas", _("газова служба")
    TRANSPORT = "transport", _("транспорт")
    CITY_SERVICES = "city_services", _("міські служби")


class Provider(SourceMixin):
    """Виконавець: who fixes it, and how to reach their dispatch."""

    kind = models.CharField(_("тип"), max_length=24, choices=ProviderKind.choices)
    name = models.CharField(_("назва"), max_length=200)
    short_name = models.CharField(_("коротка назва"), max_length=64, blank=True, default="")
    phones = models.JSONField(_("диспетчерські телефони"), default=list, blank=True)
    emergency_phone = models.CharField(_("аварійний телефон"), max_length=32, blank=True, default="")
    is_24_7 = models.BooleanField(_("цілодобово"), default=False)
    hours = models.CharField(_("години роботи"), max_length=120, blank=True, default="")
    escalation_contact = models.CharField(_("контакт для ескалації"), max_length=200, blank=True, default="")
    address = models.CharField(_("адреса"), max_length=200, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    service_kinds = models.ManyToManyField(ServiceKind, blank=True, related_name="providers", verbose_name=_("види послуг"))

    class Meta:
        verbose_name = _("виконавець")
        verbose_name_plural = _("виконавці")
        ordering = ["kind", "name"]
        constraints = [_source_unique("provider")]

    def __str__(self) -> str:
        return self.short_name or self.name


class ServiceArea(SourceMixin):
    """Зона обслуговування: polygon + provider + service kinds + validity dates.

    priority decides between overlapping areas of one kind (higher wins; equal
    priorities are an explicit 'overlap' for a human). Subdivided copies in
    ServiceAreaPart are kept by a database trigger, whatever writes the row.
    """

    name = models.CharField(_("назва"), max_length=200)
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="areas", verbose_name=_("виконавець"))
    service_kinds = models.ManyToManyField(ServiceKind, related_name="areas", verbose_name=_("види послуг"))
    geom = models.MultiPolygonField(_("межа"), srid=STORAGE_SRID)
    valid_from = models.DateField(_("діє з"), null=True, blank=True)
    valid_to = models.DateField(_("діє до"), null=True, blank=True)
    priority = models.SmallIntegerField(_("пріоритет"), default=0)

    class Meta:
        verbose_name = _("зона обслуговування")
        verbose_name_plural = _("зони обслуговування")
        ordering = ["provider__name", "name"]
        constraints = [
            _source_unique("servicearea"),
            _valid_geom("servicearea"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="servicearea_valid_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceAreaPart(models.Model):
    """A piece of ServiceArea.geom from ST_Subdivide: small polygons make `covers` fast (as MapIt does).

    Written only by the trigger in migration layers/0002; never edit by hand.
    """

    area = models.ForeignKey(ServiceArea, on_delete=models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=STORAGE_SRID)

    class Meta:
        verbose_name = _("частина зони")
        verbose_name_plural = _("частини зон")


class BuildingAssignment(SourceMixin):
    """A building served directly by a provider for some service kinds (an ОСББ of one block).

    Beats any service-area polygon for those kinds.
    """

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("будинок"))
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("виконавець"))
    service_kinds = models.ManyToManyField(ServiceKind, related_name="assignments", verbose_name=_("види послуг"))
    valid_from = models.DateField(_("діє з"), null=True, blank=True)
    valid_to = models.DateField(_("діє до"), null=True, blank=True)
    note = models.CharField(_("примітка"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("призначення будинку")
        verbose_name_plural = _("призначення будинків")
        constraints = [
            _source_unique("buildingassignment"),
            models.UniqueConstraint(fields=["building", "provider"], name="buildingassignment_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.building} → {self.provider}"


class Category(models.Model):
    """A category of appeal (no water, lift stuck...): which service kinds answer it, and how fast.

    Editable in the admin. A category may need two providers (no hot water:
    the heating network and the building's housing office or ОСББ).
    """

    code = models.SlugField(_("код"), max_length=32, unique=True)
    name_uk = models.CharField(_("назва"), max_length=120)
    name_ru = models.CharField(_("назва російською"), max_length=120, blank=True, default="")
    service_kinds = models.ManyToManyField(ServiceKind, related_name="categories", verbose_name=_("відповідальні служби"))
    is_emergency = models.BooleanField(_("аварійна"), default=False)
    deadline_hours = models.PositiveIntegerField(_("строк, годин"), default=15 * 24)
    street_level = models.BooleanField(
        _("вуличного рівня"), default=False, help_text=_("дорога, освітлення: дублікати шукаються в радіусі 150 м"),
    )
    is_public = models.BooleanField(_("показувати на публічній карті"), default=True)
    is_consultation = models.BooleanField(_("лише консультація"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("порядок"), default=100)
    # Online filing: a one-line public hint under the category's name, and whether an online appeal of
    # this category waits for a dispatcher's check before it is sent to a provider.
    hint = models.CharField(_("підказка для мешканців"), max_length=200, blank=True, default="")
    online_review_required = models.BooleanField(
        _("онлайн-звернення спершу перевіряє диспетчер"), default=False,
        help_text=_("маршрутизація онлайн-звернення чекає, доки диспетчер його перевірить"),
    )

    class Meta:
        verbose_name = _("категорія звернення")
        verbose_name_plural = _("категорії звернень")
        ordering = ["sort_order", "name_uk"]

    def __str__(self) -> str:
        return self.name_uk
