from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home.retention import client_purge_archived


class Command(BaseCommand):
    help = (
        "Delete the clients archived more than --older-than-years ago (RETENTION_YEARS, 7 by "
        "default) with every record about them; the change history keeps its rows. Run it daily "
        "from cron or a systemd timer; --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-years",
            type=int,
            default=settings.RETENTION_YEARS,
            help="Retention period in years (default: RETENTION_YEARS, %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")

    def handle(self, *args, older_than_years, dry_run, **options):
        if older_than_years < 1:
            raise CommandError("--older-than-years must be at least 1.")
        counts = client_purge_archived(older_than_years=older_than_years, dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb}: " + ", ".join(f"{count} {label}" for label, count in counts.items()) + "."
        )
