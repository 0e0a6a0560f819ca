from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DemoDataConflict, seed_demo
from accounts.models import Practice


class Command(BaseCommand):
    help = (
        "Load the demo practices, accounts (password alliance-demo) and months of records, dated up to "
        "today, so that every rule has something to fire on. For demonstration databases only. "
        "Does nothing if the demo practices already exist: run `manage.py flush` first to reload."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply Riverside's therapists, clients and records by N (default 1), for load tests.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database that holds no practice yet (what `make run` does).",
        )

    def handle(self, *args, scale: int, if_empty: bool, **options):
        if scale < 1:
            raise CommandError(f"--scale must be a whole number of at least 1, not {scale}.")
        if if_empty and Practice.objects.exists():
            self.stdout.write("The database already holds data: the demo was not loaded.")
            return
        try:
            seed_demo(scale=scale, stdout=self.stdout)
        except DemoDataConflict as exc:
            raise CommandError(str(exc)) from exc
