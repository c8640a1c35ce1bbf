"""Forms of the residents' pages. They only adapt: checks that need the database live in citizens.services."""

from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from citizens import selectors


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(queryset=selectors.public_categories(), widget=forms.RadioSelect,
                                      label=_("Що сталося"), error_messages={"required": _("оберіть категорію")})
    address = forms.CharField(label=_("Адреса"), max_length=255, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address", "list": "address-options"}))
    building = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(label=_("Опис проблеми"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    name = forms.CharField(label=_("Ім'я та прізвище"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(label=_("Телефон"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    email = forms.CharField(label=_("E-mail (необов'язково)"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    consent = forms.BooleanField(label=_("Погоджуюсь на обробку моїх персональних даних для розгляду звернення"),
                                 required=False)
    notify = forms.BooleanField(label=_("Повідомляти мене про зміни стану"), required=False, initial=True)
    join = forms.CharField(required=False, widget=forms.HiddenInput, max_length=16)
    idempotency_key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    # The honeypot: hidden from people by CSS (class "hp"), filled in by naive bots.
    website = forms.CharField(required=False, label=_("Не заповнюйте це поле"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", secrets.token_urlsafe(24))
        self.fields["category"].label_from_instance = lambda c: c.name_uk


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Номер звернення"), max_length=16,
                             widget=forms.TextInput(attrs={"placeholder": "26-000123", "autocomplete": "off"}))
    code = forms.CharField(label=_("Код відстеження (необов'язково)"), max_length=24, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XXXXX-XXXXX"}))


class ConfirmForm(forms.Form):
    number = forms.CharField(widget=forms.HiddenInput, max_length=16)
    code = forms.CharField(widget=forms.HiddenInput, max_length=24)
    outcome = forms.ChoiceField(choices=[("confirmed", _("Так, проблему усунуто")),
                                         ("disputed", _("Ні, проблему не усунуто"))],
                                widget=forms.RadioSelect, label=_("Чи усунуто проблему?"))
    rating = forms.TypedChoiceField(choices=[(str(i), str(i)) for i in range(1, 6)], coerce=int, required=False,
                                    empty_value=None, widget=forms.RadioSelect, label=_("Оцінка роботи (1–5)"))
    comment = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                              label=_("Коментар"))
