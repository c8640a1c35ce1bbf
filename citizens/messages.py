"""Texts sent to residents (Ukrainian templates under citizens/templates/citizens/messages/)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string

from appeals.models import Appeal


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    html: str
    sms: str


def _render(name: str, context: dict) -> Text:
    context = {**context, "base_url": settings.PUBLIC_BASE_URL.rstrip("/")}
    subject = " ".join(render_to_string(f"citizens/messages/{name}_subject.txt", context).split())
    return Text(subject=subject, body=render_to_string(f"citizens/messages/{name}.txt", context).strip() + "\n",
                html=render_to_string(f"citizens/messages/{name}.html", context),
                sms=" ".join(render_to_string(f"citizens/messages/{name}_sms.txt", context).split()))


def filed(*, appeal: Appeal, code: str) -> Text:
    return _render("filed", {"appeal": appeal, "code": code, "category": appeal.category.name_uk})
