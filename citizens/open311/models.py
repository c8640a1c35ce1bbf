"""Open311 keys, the extra questions a category asks (service attributes) and what each POST brought in.

Keys are stored as SHA-256 digests only: a key is 256 random bits, so a fast digest is as good as a slow
password hash and costs nothing per request. The key itself is shown once, when it is made.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from layers.models import Category


class ApiKey(models.Model):
    """A client allowed to POST (FixMyStreet, a city app): name, digest of the key, limits."""

    name = models.SlugField(_("назва"), max_length=64, unique=True,
                            help_text=_("хто користується ключем, напр. fixmystreet; записується у звернення"))
    prefix = models.CharField(_("початок ключа"), max_length=12, editable=False,
                              help_text=_("перші символи ключа, щоб його впізнати; сам ключ не зберігається"))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("запитів POST на хвилину"), null=True, blank=True,
        help_text=_("порожньо: OPEN311_RATE_LIMIT_PER_MINUTE з налаштувань"),
    )
    note = models.CharField(_("примітка"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("створено"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("відкликано"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("востаннє використано"), null=True, blank=True)

    class Meta:
        verbose_name = _("ключ Open311")
        verbose_name_plural = _("ключі Open311")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Datatype(models.TextChoices):
    """GeoReport v2 attribute datatypes."""

    STRING = "string", _("рядок")
    NUMBER = "number", _("число")
    DATETIME = "datetime", _("дата й час")
    TEXT = "text", _("текст")
    SINGLE = "singlevaluelist", _("один варіант зі списку")
    MULTI = "multivaluelist", _("кілька варіантів зі списку")


class ServiceAttribute(models.Model):
    """One extra question of a category ("since when is there no water?"), as GeoReport v2 describes it.

    ``values`` is a list of {"key": ..., "name": ...} for the list datatypes, empty otherwise.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="open311_attributes",
                                 verbose_name=_("категорія"))
    code = models.SlugField(_("код"), max_length=32)
    description = models.CharField(_("питання"), max_length=200)
    datatype = models.CharField(_("тип"), max_length=16, choices=Datatype.choices)
    datatype_description = models.CharField(_("підказка до формату"), max_length=200, blank=True, default="")
    required = models.BooleanField(_("обов'язкове"), default=False)
    order = models.PositiveSmallIntegerField(_("порядок"), default=1)
    values = models.JSONField(_("варіанти"), default=list, blank=True)
    updated_at = models.DateTimeField(_("змінено"), auto_now=True)

    class Meta:
        verbose_name = _("додаткове питання (Open311)")
        verbose_name_plural = _("додаткові питання (Open311)")
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_unique")]

    def __str__(self) -> str:
        return f"{self.category.code}: {self.code}"

    def value_keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values or []]


class Submission(models.Model):
    """What one Open311 POST brought in besides the appeal: the key, the client's ids, the answers, a token.

    ``token`` is set when the category holds requests for a dispatcher's check: the client then follows
    GET tokens/{token} until a dispatcher has checked the appeal. Personal data (e-mail, device and account ids) stays
    here and is never part of any GET.
    """

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="open311_submission",
                                  verbose_name=_("звернення"))
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="submissions",
                                verbose_name=_("ключ"), db_index=False)
    token = models.CharField(_("токен"), max_length=40, null=True, blank=True)
    account_id = models.CharField(_("account_id клієнта"), max_length=100, blank=True, default="")
    device_id = models.CharField(_("device_id клієнта"), max_length=100, blank=True, default="")
    attributes = models.JSONField(_("відповіді на питання"), default=dict, blank=True)
    media_urls = models.JSONField(_("media_url клієнта"), default=list, blank=True)
    created_at = models.DateTimeField(_("надійшло"))

    class Meta:
        verbose_name = _("запит Open311")
        verbose_name_plural = _("запити Open311")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["api_key", "created_at"], name="open311_key_created")]
        constraints = [models.UniqueConstraint(fields=["token"], name="open311_token_unique",
                                               condition=Q(token__isnull=False))]

    def __str__(self) -> str:
        return f"{self.api_key_id}: {self.appeal_id}"
