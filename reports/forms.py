"""Forms of the report pages: the provider's daily report, a period to report on."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 4000


class ProviderReportForm(forms.Form):
    date = forms.DateField(label=_("За день"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                           widget=forms.DateInput(attrs={"type": "date"}))
    done_today = forms.CharField(label=_("Що виконано за день"), max_length=MAX_TEXT,
                                 widget=forms.Textarea(attrs={"rows": 5}))
    still_open = forms.CharField(label=_("Що не виконано і чому"), max_length=MAX_TEXT, required=False,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    planned_outages = forms.CharField(label=_("Заплановані відключення (що, де, коли)"), max_length=MAX_TEXT,
                                      required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PeriodForm(forms.Form):
    """Either 6/9/12 months of a year (the city's practice: from January) or any range of days."""

    MONTHS = (("", _("довільний період")), ("6", _("6 місяців")), ("9", _("9 місяців")), ("12", _("рік")))

    months = forms.ChoiceField(label=_("Період"), choices=MONTHS, required=False)
    year = forms.IntegerField(label=_("Рік"), min_value=2000, max_value=2100, required=False)
    date_from = forms.DateField(label=_("з"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("по"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                              widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        from reports import period

        try:
            if data.get("months"):
                if not data.get("year"):
                    raise forms.ValidationError(_("Вкажіть рік."))
                data["period"] = period.months_period(months=int(data["months"]), year=data["year"])
            elif data.get("date_from") and data.get("date_to"):
                data["period"] = period.Period(start=data["date_from"], end=data["date_to"])
            else:
                raise forms.ValidationError(_("Оберіть 6, 9 чи 12 місяців і рік, або дати «з» і «по»."))
        except period.PeriodError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


def default_period_initial(today: date) -> dict:
    return {"months": "12", "year": today.year - 1 if today.month < 2 else today.year}
