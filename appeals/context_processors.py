"""`staff_role` in every template, so one header (appeals/_nav.html) serves every staff page."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from appeals import page_helpers
from appeals.models import OPEN_STATUSES

# Words of the live deadline countdowns (appeals/staff.js).
COUNTDOWN_TEXT = {"left": _("залишилось"), "overdue": _("прострочено на"), "d": _("д"), "h": _("год"),
                  "m": _("хв")}


def staff(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    known = getattr(request, "staff_role", None)
    return {"staff_role": known or SimpleLazyObject(lambda: page_helpers.staff_role(user)),
            "open_statuses": OPEN_STATUSES, "countdown_text": COUNTDOWN_TEXT}
