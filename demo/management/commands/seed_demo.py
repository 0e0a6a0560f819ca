from django.core.management.base import BaseCommand, CommandError

from accounts.models import Practice
from demo.seed import SIZES, DemoDataConflict, seed_demo


class Command(BaseCommand):
    help = (
        "Load the demo practices, accounts (password alliance-demo) and months of records, dated up to "
        "today, so that every rule has something to fire on; then run the rules' first sweep and play a "
        "supervision loop on dr.chen's flags (a resolved plan, a reply, returned entries, follow-ups). "
        "For demonstration databases only. "
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
            "--size",
            choices=sorted(SIZES),
            help="Fill Riverside up to a named size instead: practice-large is 60 therapists, 6 supervisors, "
            "3,000 clients, 150,000 sessions and 30,000 incidents (the scripted cases of scale 1 included).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only into a database that holds no practice yet (what `make run` does).",
        )

    def handle(self, *args, scale: int, size: str | None, if_empty: bool, **options):
        if scale < 1:
            raise CommandError(f"--scale must be a whole number of at least 1, not {scale}.")
        if size and scale != 1:
            raise CommandError("Give --scale or --size, not both.")
        if if_empty and Practice.objects.exists():
            self.stdout.write("The database already holds data: the demo was not loaded.")
            return
        try:
            seed_demo(scale=scale, size=size, stdout=self.stdout)
        except DemoDataConflict as exc:
            raise CommandError(str(exc)) from exc
