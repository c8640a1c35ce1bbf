"""Groups and demo accounts for every role (idempotent). `--print-accounts` prints who logs in with what.

Demo passwords are fixed and printed: this is for `make demo` on a developer's machine, and the
command refuses to run with ECITY_ENV=production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from appeals import roles, workflow
from appeals.models import StaffProfile
from layers.models import Provider, ProviderKind


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    label: str
    provider_kind: str = ""  # operators: the first provider of this kind (by name)
    supervised_kinds: tuple[str, ...] = ()


ACCOUNTS = (
    DemoAccount("dispatcher", workflow.DISPATCHER, "диспетчер"),
    DemoAccount("operator_zhek", workflow.PROVIDER_OPERATOR, "оператор ЖЕК", provider_kind=ProviderKind.HOUSING_OFFICE),
    DemoAccount("operator_water", workflow.PROVIDER_OPERATOR, "оператор водоканалу",
                provider_kind=ProviderKind.WATER_UTILITY),
    DemoAccount("operator_heating", workflow.PROVIDER_OPERATOR, "оператор тепломережі",
                provider_kind=ProviderKind.HEATING_NETWORK),
    DemoAccount("supervisor_housing", workflow.SUPERVISOR, "заступник міського голови (житло)",
                supervised_kinds=(ProviderKind.HOUSING_OFFICE, ProviderKind.CONDOMINIUM, ProviderKind.LIFT_SERVICE,
                                  ProviderKind.WASTE_OPERATOR)),
    DemoAccount("supervisor_utilities", workflow.SUPERVISOR, "заступник міського голови (мережі)",
                supervised_kinds=(ProviderKind.WATER_UTILITY, ProviderKind.HEATING_NETWORK,
                                  ProviderKind.POWER_DISTRICT, ProviderKind.GAS, ProviderKind.TRANSPORT,
                                  ProviderKind.CITY_SERVICES)),
    DemoAccount("analyst", workflow.ANALYST, "аналітик (без персональних даних)"),
    DemoAccount("admin", workflow.ADMINISTRATOR, "адміністратор"),
)


def demo_password(username: str) -> str:
    """Known and printed (it is the demo), yet one that AUTH_PASSWORD_VALIDATORS accept: not like the user
    name, not common, not all digits, long enough.

    >>> demo_password("dispatcher"), demo_password("admin")
    ('Kramatorsk-1-1505', 'Kramatorsk-8-1505')
    """
    number = [a.username for a in ACCOUNTS].index(username) + 1
    return f"Kramatorsk-{number}-1505"


class Command(BaseCommand):
    help = "Create the role groups and one demo account per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--print-accounts", action="store_true", help="print usernames, passwords and roles")

    def handle(self, *args, print_accounts: bool = False, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("setup_demo creates accounts with known passwords: refused with ECITY_ENV=production")
        rows = []
        with transaction.atomic():
            groups = roles.ensure_groups()
            for account in ACCOUNTS:
                rows.append(self._account(account, groups[account.role]))
        if print_accounts:
            self.stdout.write("Демо-облікові записи (логін / пароль — роль):")
            for username, label, scope in rows:
                line = f"  {username:<22} {demo_password(username):<28} {label}"
                self.stdout.write(line + (f" — {scope}" if scope else ""))
            required = "обов'язковий" if getattr(settings, "TWO_FACTOR_REQUIRED", False) else (
                "за бажанням (TWO_FACTOR_REQUIRED=1 робить його обов'язковим)")
            self.stdout.write(f"Двофакторний вхід (TOTP) для admin і заступників міського голови — {required}: "
                              "увійдіть і відкрийте /accounts/two-factor/ (QR-код або ключ у застосунку-автентифікаторі).")
        elif options.get("verbosity", 1) >= 1:
            self.stdout.write(f"{len(rows)} demo accounts ready (--print-accounts to list them)")

    def _account(self, account: DemoAccount, group: Group) -> tuple[str, str, str]:
        user, _ = User.objects.get_or_create(username=account.username)
        # Every run, so the printed passwords are true even for accounts made by an older version.
        user.set_password(demo_password(account.username))
        user.is_staff = account.role == workflow.ADMINISTRATOR
        user.is_superuser = account.role == workflow.ADMINISTRATOR
        user.save()
        user.groups.set([group])
        scope = ""
        provider = None
        if account.provider_kind:
            provider = Provider.objects.filter(kind=account.provider_kind).order_by("name", "id").first()
            scope = str(provider) if provider else "виконавця цього типу ще немає (завантажте демо-місто)"
        if account.provider_kind or account.supervised_kinds:
            StaffProfile.objects.update_or_create(
                user=user, defaults={"provider": provider, "supervised_kinds": list(account.supervised_kinds)})
            if account.supervised_kinds:
                scope = ", ".join(str(ProviderKind(k).label) for k in account.supervised_kinds)
        return account.username, account.label, scope
