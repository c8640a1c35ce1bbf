"""Forms of the staff pages: they check and clean input; the work is done by appeals.services."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from appeals.models import CallOutcome, Status
from appeals.phones import phone_problem
from layers.models import Building, Category, Neighbourhood, Provider, ProviderKind

# Outcomes the dispatcher picks on the intake form (a link to an appeal is chosen from the duplicates).
INTAKE_OUTCOMES = [
    (CallOutcome.NEW_APPEAL.value, _("нове звернення")),
    (CallOutcome.ADDED_TO_APPEAL.value, _("додати до звернення")),
    (CallOutcome.STATUS_INQUIRY.value, _("запит про стан")),
    (CallOutcome.CONSULTATION.value, _("консультація")),
    (CallOutcome.OUTAGE_KNOWN.value, _("відоме відключення")),
    (CallOutcome.OTHER.value, _("інше")),
]


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IntakeForm(forms.Form):
    """One call on the dispatcher's screen: a new appeal, a call added to one, or a call-only outcome."""

    phone = forms.CharField(label=_("Телефон заявника"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "autofocus": True}))
    address = forms.CharField(label=_("Адреса"), max_length=255, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "role": "combobox",
                                                            "aria-autocomplete": "list", "aria-expanded": "false",
                                                            "aria-controls": "address-suggestions"}))
    building = forms.ModelChoiceField(queryset=Building.objects.all(), required=False, widget=forms.HiddenInput)
    category = forms.ModelChoiceField(label=_("Категорія"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("— оберіть категорію —"))
    flat = forms.CharField(label=_("Квартира"), max_length=16, required=False)
    applicant_name = forms.CharField(label=_("Ім'я заявника"), max_length=200, required=False)
    description = forms.CharField(label=_("Опис"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Результат дзвінка"), choices=INTAKE_OUTCOMES, initial=CallOutcome.NEW_APPEAL,
                                widget=forms.RadioSelect)
    link_to = forms.CharField(label=_("Номер звернення"), max_length=16, required=False)
    consultation_office = forms.CharField(label=_("Куди скеровано"), max_length=200, required=False,
                                          help_text=_("установа, до якої скеровано заявника"))
    note = forms.CharField(label=_("Примітка"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # The known outage shown for the address: outage_known links the call to it; a new appeal filed
    # anyway (the dispatcher insists) becomes part of it.
    outage = forms.IntegerField(required=False, widget=forms.HiddenInput)
    subscribe = forms.BooleanField(label=_("Повідомити про відновлення"), required=False)
    subscribe_to = forms.CharField(label=_("SMS на номер або e-mail"), max_length=200, required=False,
                                   help_text=_("порожньо — SMS на телефон заявника"))

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        problem = phone_problem(phone)
        if problem:
            raise forms.ValidationError(problem)
        return phone

    def clean_link_to(self) -> str:
        return self.cleaned_data["link_to"].strip()

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == CallOutcome.NEW_APPEAL:
            if not data.get("category"):
                self.add_error("category", _("Оберіть категорію."))
            elif not data.get("building") and not data["category"].is_consultation:
                self.add_error("address", _("Оберіть будинок зі списку підказок."))
        elif outcome == CallOutcome.ADDED_TO_APPEAL and not data.get("link_to"):
            self.add_error("link_to", _("Вкажіть номер звернення, до якого додати дзвінок."))
        elif outcome == CallOutcome.OUTAGE_KNOWN and not data.get("outage"):
            self.add_error(None, _("Немає відомого відключення за цією адресою."))
        elif outcome == CallOutcome.OUTAGE_KNOWN and data.get("subscribe") and not (
                data.get("subscribe_to", "").strip() or data.get("phone")):
            self.add_error("subscribe_to", _("Вкажіть телефон або e-mail для повідомлення."))
        elif outcome == CallOutcome.CONSULTATION and not data.get("consultation_office", "").strip():
            self.add_error("consultation_office", _("Вкажіть, куди скеровано заявника."))
        return data


class _ProvidersByKind(BaseChoiceIterator):
    """Providers as <optgroup>s by kind in the registry's order (ЖЕК, ОСББ, РЕС, водоканал…), each sorted by
    name: the control page's list had ~75 entries, ОСББ mixed with utilities."""

    def __init__(self, field):
        self.field = field

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for provider in self.field.queryset:
            groups.setdefault(provider.kind, []).append(provider)
        for kind, label in ProviderKind.choices:
            members = sorted(groups.pop(kind, []), key=lambda p: (p.name.casefold(), p.pk))
            if members:
                yield (str(label), [(self.field.prepare_value(p), self.field.label_from_instance(p)) for p in members])
        for kind, members in groups.items():  # a kind the choices do not list yet
            yield (kind, [(self.field.prepare_value(p), self.field.label_from_instance(p))
                          for p in sorted(members, key=lambda p: p.name.casefold())])


class ProviderByKindField(forms.ModelChoiceField):
    iterator = _ProvidersByKind

    def __init__(self, **kwargs):
        super().__init__(queryset=Provider.objects.all(), **kwargs)


class SearchForm(forms.Form):
    """'What happened to my appeal': by number, phone, address, provider, status and dates."""

    number = forms.CharField(label=_("Номер"), max_length=16, required=False)
    phone = forms.CharField(label=_("Телефон"), max_length=32, required=False)
    address = forms.CharField(label=_("Адреса"), max_length=255, required=False)
    building = forms.ModelChoiceField(queryset=Building.objects.all(), required=False, widget=forms.HiddenInput)
    provider = ProviderByKindField(label=_("Виконавець"), required=False, empty_label=_("усі"))
    status = forms.ChoiceField(label=_("Стан"), choices=[("", _("усі"))] + list(Status.choices), required=False)
    date_from = forms.DateField(label=_("З"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("По"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def has_criteria(self) -> bool:
        return self.is_valid() and any(v not in (None, "") for v in self.cleaned_data.values())


DEADLINE_FILTERS = [
    ("", _("усі")),
    ("overdue", _("прострочені")),
    ("today", _("строк сьогодні")),
    ("open", _("у строк")),
]


JOURNAL_SORTS = [
    ("", _("за строком (найближчий перший)")),
    ("newest", _("нові спочатку")),
    ("oldest", _("старі спочатку")),
]


class JournalFilterForm(forms.Form):
    """The filters of the old thematic journals: category, status, deadline, area."""

    category = forms.ModelChoiceField(label=_("Категорія"), queryset=Category.objects.all(), required=False,
                                      empty_label=_("усі"))
    status = forms.ChoiceField(label=_("Стан"), required=False)
    deadline = forms.ChoiceField(label=_("Строк"), choices=DEADLINE_FILTERS, required=False)
    area = forms.ModelChoiceField(label=_("Район"), queryset=Neighbourhood.objects.all(), required=False,
                                  empty_label=_("усі"))
    number = forms.CharField(label=_("Номер"), max_length=16, required=False)
    sort = forms.ChoiceField(label=_("Порядок"), choices=JOURNAL_SORTS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("відкриті")), ("all", _("усі"))] + list(Status.choices)


class BulkActionForm(forms.Form):
    """Many journal rows at once: accept them, or one progress note for all. Rows are "number:version"."""

    action = forms.ChoiceField(label=_("Дія з вибраними"), choices=[
        ("accept", _("Прийняти")), ("progress", _("Звіт про хід робіт")),
    ])
    note = forms.CharField(label=_("Примітка"), required=False, max_length=2000)
    public = forms.BooleanField(label=_("Публічна відповідь"), required=False)
    appeal = forms.MultipleChoiceField(required=False)  # choices are the posted values, checked in clean_appeal

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appeal"].choices = [(v, v) for v in self.data.getlist("appeal")] if self.data else []

    def clean_appeal(self) -> list[tuple[str, int]]:
        items = []
        for value in self.cleaned_data["appeal"]:
            number, _sep, version = value.rpartition(":")
            if not number or not version.isdigit():
                raise forms.ValidationError(_("Некоректний рядок журналу: %(value)s") % {"value": value})
            items.append((number, int(version)))
        if not items:
            raise forms.ValidationError(_("Позначте звернення у списку."))
        return items

    def clean(self):
        data = super().clean()
        if data.get("action") == "progress" and not data.get("note", "").strip():
            self.add_error("note", _("Опишіть, що робиться: примітку отримають усі вибрані звернення."))
        return data


class ControlFilterForm(forms.Form):
    provider = ProviderByKindField(label=_("Виконавець"), required=False, empty_label=_("усі"))
    area = forms.ModelChoiceField(label=_("Район"), queryset=Neighbourhood.objects.all(), required=False,
                                  empty_label=_("усі"))


class _VersionedForm(forms.Form):
    """Every action carries the version the user saw: a stale one is a conflict, never a lost update."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AcceptForm(_VersionedForm):
    note = forms.CharField(label=_("Примітка"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Публічна відповідь: показати заявнику"), required=False,
                                help_text=_("без позначки примітка внутрішня, її бачать лише працівники"))


class RejectForm(_VersionedForm):
    reason = forms.CharField(label=_("Чому не наше"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Вкажіть причину відхилення."))
        return reason


class ProgressForm(_VersionedForm):
    note = forms.CharField(label=_("Що робиться"), widget=forms.Textarea(attrs={"rows": 2}))
    public = forms.BooleanField(label=_("Публічна відповідь: показати заявнику"), required=False,
                                help_text=_("без позначки примітка внутрішня, її бачать лише працівники"))


class ResolveForm(_VersionedForm):
    resolution = forms.CharField(label=_("Що зроблено"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_resolution(self) -> str:
        text = self.cleaned_data["resolution"].strip()
        if not text:
            raise forms.ValidationError(_("Опишіть, що зроблено."))
        return text


class ReasonForm(_VersionedForm):
    reason = forms.CharField(label=_("Причина"), widget=forms.Textarea(attrs={"rows": 2}))


class DuplicateForm(_VersionedForm):
    duplicate_of = forms.CharField(label=_("Номер основного звернення"), max_length=16)


class ExtendForm(_VersionedForm):
    """An extension of the deadline (at most 45 days from registration), only with a recorded reason."""

    new_deadline = forms.DateTimeField(label=_("Новий строк"),
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                  format="%Y-%m-%dT%H:%M"),
                                       input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    reason = forms.CharField(label=_("Підстава продовження"), widget=forms.Textarea(attrs={"rows": 2}))


class PlanDateForm(_VersionedForm):
    plan_date = forms.DateField(label=_("Планова дата"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Примітка"), required=False, max_length=500)


class AssignForm(_VersionedForm):
    """The dispatcher chooses a provider for each service kind of the category (a routing gap or overlap).

    kinds: (code, name, current provider id or None, providers that serve the kind, best first).
    """

    note = forms.CharField(label=_("Примітка"), required=False, max_length=500)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        for code, name, current, providers in kinds:
            self.fields[f"provider_{code}"] = forms.ModelChoiceField(
                label=name, queryset=providers, initial=current, empty_label=_("— оберіть виконавця —"),
            )
        self.kind_codes = [code for code, *_rest in kinds]

    def chosen(self) -> dict:
        return {code: self.cleaned_data[f"provider_{code}"] for code in self.kind_codes}


class CrewForm(_VersionedForm):
    """Who of the provider's crew does the work: the members of the providers holding the appeal."""

    crew_member = forms.ModelChoiceField(label=_("Хто виконує"), queryset=None, required=False,
                                         empty_label=_("— не призначено —"))

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        from appeals.models import CrewMember

        self.fields["crew_member"].queryset = members if members is not None else CrewMember.objects.none()

