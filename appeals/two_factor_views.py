"""Sign-in with a second factor (appeals.two_factor): the password step, the code step, enrolment.

    /accounts/login/              password; a user with a confirmed device goes on to the code
    /accounts/login/code/         the six-digit code (also after the admin's own login form)
    /accounts/two-factor/         enrol (QR code or key, then the first code), or switch it off with a code
    /accounts/two-factor/qr.svg   the QR code of the key being enrolled (never cached)
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from appeals import two_factor


class TwoStepLoginMixin:
    """After a right password: a user with a confirmed device is not signed in yet, but asked for the code."""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is None:
            return super().form_valid(form)
        two_factor.start_pending(self.request, user=user, backend=two_factor.backend_of(user),
                                 next_url=self.get_success_url())
        return HttpResponseRedirect(reverse("login-code"))


class AdminTwoStepLoginView(TwoStepLoginMixin, LoginView):
    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"


@never_cache
def admin_login(request, extra_context=None):
    """The admin's login page (its own form and look) with the second step; set as admin.site.login."""
    site = admin.site
    if request.method == "GET" and site.has_permission(request):
        return HttpResponseRedirect(reverse("admin:index", current_app=site.name))
    context = {**site.each_context(request), "title": _("Увійти"), "subtitle": None,
               "app_path": request.get_full_path(), "username": request.user.get_username()}
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    context.update(extra_context or {})
    request.current_app = site.name
    return AdminTwoStepLoginView.as_view(extra_context=context)(request)


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return reverse("appeals-home")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    """The second step: the code from the authenticator app for the user who gave the right password."""
    pending = two_factor.pending(request)
    if pending is None:
        messages.info(request, _("Почніть вхід з імені користувача та пароля."))
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = two_factor.confirmed_device(user) if user is not None else None
    if device is None:
        two_factor.clear_pending(request)
        return redirect("login")
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        two_factor.clear_pending(request)
        return get_lockout_response(request, credentials=credentials)
    error = ""
    if request.method == "POST":
        wait = two_factor.wait_seconds(device)
        if wait:
            error = _("Забагато невдалих спроб. Спробуйте знову через %(seconds)d с.") % {"seconds": wait}
        elif two_factor.check_code(device=device, token=request.POST.get("code", "")):
            next_url = _safe_next(request, pending.get("next"))
            two_factor.clear_pending(request)
            auth_login(request, user, backend=pending["backend"])
            two_factor.mark_verified(request, device)
            return HttpResponseRedirect(next_url)
        else:
            two_factor.count_failure(request, username=user.get_username())
            if AxesProxyHandler.is_locked(request, credentials):
                two_factor.clear_pending(request)
                return get_lockout_response(request, credentials=credentials)
            error = _("Невірний код. Введіть шість цифр, які зараз показує застосунок.")
    return render(request, "appeals/login_code.html", {"error": error}, status=200 if not error else 400)


@login_required
@never_cache
def setup(request):
    """Enrol: the QR code (or the key) of a new device, confirmed by the first code; or switch it off."""
    user = request.user
    if not two_factor.applies_to(user):
        return render(request, "appeals/two_factor.html", {"not_for_role": True}, status=403)
    device = two_factor.confirmed_device(user)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        code = request.POST.get("code", "")
        if action == "confirm" and device is None:
            pending_device = two_factor.enrolment_device(user)
            wait = two_factor.wait_seconds(pending_device)
            if wait:
                error = _("Забагато невдалих спроб. Спробуйте знову через %(seconds)d с.") % {"seconds": wait}
            elif two_factor.confirm(device=pending_device, token=code):
                two_factor.mark_verified(request, pending_device)
                messages.success(request, _("Двофакторний вхід увімкнено. Відтепер після пароля потрібен код "
                                            "із застосунку."))
                return redirect("two-factor")
            else:
                two_factor.count_failure(request, username=user.get_username())
                error = _("Невірний код. Перевірте, що час на телефоні точний, і введіть код, який показано зараз.")
        elif action == "disable" and device is not None:
            if two_factor.required_for(user):
                error = _("Для вашої ролі двофакторний вхід обов'язковий: його не можна вимкнути.")
            elif two_factor.wait_seconds(device):
                error = _("Забагато невдалих спроб. Спробуйте знову через %(seconds)d с.") % {
                    "seconds": two_factor.wait_seconds(device)}
            elif two_factor.check_code(device=device, token=code):
                two_factor.remove(user=user)
                messages.success(request, _("Двофакторний вхід вимкнено."))
                return redirect("two-factor")
            else:
                two_factor.count_failure(request, username=user.get_username())
                error = _("Невірний код.")
        elif device is not None and not user.is_verified():
            # Signed in before the device counted (e.g. the requirement was switched on): the code now.
            if two_factor.check_code(device=device, token=code):
                two_factor.mark_verified(request, device)
                return redirect(_safe_next(request, request.GET.get("next")))
            two_factor.count_failure(request, username=user.get_username())
            error = _("Невірний код.")
    context = {"device": device, "error": error, "required": two_factor.required_for(user),
               "verified": user.is_verified(), "next": request.GET.get("next", "")}
    if device is None:
        pending_device = two_factor.enrolment_device(user)
        context.update(secret=two_factor.secret_base32(pending_device), issuer_account=user.get_username())
    return render(request, "appeals/two_factor.html", context, status=400 if error else 200)


@login_required
@never_cache
def qr(request):
    """The QR code of the key being enrolled, as SVG (drawn here, offline)."""
    if not two_factor.applies_to(request.user) or two_factor.confirmed_device(request.user) is not None:
        return HttpResponse(status=404)
    response = HttpResponse(two_factor.qr_svg(two_factor.enrolment_device(request.user)),
                            content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


class TwoFactorRequiredMiddleware:
    """With TWO_FACTOR_REQUIRED on, an administrator or deputy mayor whose session has not passed the second
    factor reaches only enrolment (or the code), sign-out and static files; APIs answer 403."""

    ALLOWED = ("/accounts/two-factor/", "/accounts/logout/", "/accounts/login/", "/static/", "/i18n/",
               "/healthz", "/favicon.ico")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        if getattr(settings, "TWO_FACTOR_REQUIRED", False) and not request.path.startswith(self.ALLOWED):
            user = getattr(request, "user", None)
            if (user is not None and user.is_authenticated and not user.is_verified()
                    and two_factor.required_for(user)):
                if request.path.startswith(("/api/", "/tiles/", "/ogc/")):
                    from django.http import JsonResponse

                    from gis.api_errors import error_body

                    return JsonResponse(error_body(_("Потрібен двофакторний вхід: увімкніть його на сторінці "
                                                     "/accounts/two-factor/."), code="two_factor_required"),
                                        status=403, json_dumps_params={"ensure_ascii": False})
                return redirect(f"{reverse('two-factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
