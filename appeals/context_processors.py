"""`staff_role` in every template, so one header (appeals/_nav.html) serves every staff page."""

from django.utils.functional import SimpleLazyObject

from appeals import page_helpers


def staff(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    known = getattr(request, "staff_role", None)
    return {"staff_role": known or SimpleLazyObject(lambda: page_helpers.staff_role(user))}
