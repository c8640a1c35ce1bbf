"""manage.py open311_keys add NAME [--rate N] | list | revoke NAME — the keys Open311 clients POST with."""

from django.core.management.base import BaseCommand, CommandError

from citizens.open311 import keys


class Command(BaseCommand):
    help = "Ключі Open311: add NAME (ключ друкується один раз), list, revoke NAME"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="новий ключ; друкується один раз, зберігається лише його хеш")
        add.add_argument("name")
        add.add_argument("--rate", type=int, default=None, help="запитів POST на хвилину (інакше з налаштувань)")
        add.add_argument("--note", default="")
        sub.add_parser("list", help="усі ключі")
        revoke = sub.add_parser("revoke", help="відкликати ключ")
        revoke.add_argument("name")

    def handle(self, *args, action: str, **options):
        try:
            if action == "add":
                made = keys.create_key(name=options["name"], rate_limit_per_minute=options["rate"], note=options["note"])
                self.stderr.write(f"Ключ «{made.api_key.name}» створено. Збережіть його: більше він не показується.")
                self.stdout.write(made.key)
            elif action == "list":
                for k in keys.list_keys():
                    state = f"відкликано {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "діє"
                    used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "—"
                    self.stdout.write(f"{k.name}\t{k.prefix}…\t{state}\tвостаннє: {used}\t{k.note}")
            else:
                k = keys.revoke_key(name=options["name"])
                self.stdout.write(f"Ключ «{k.name}» відкликано.")
        except keys.KeyProblem as exc:
            raise CommandError(str(exc)) from exc
