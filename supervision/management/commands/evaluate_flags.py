from django.core.management.base import BaseCommand

from supervision.engine import evaluate_all


class Command(BaseCommand):
    help = (
        "Evaluate every pattern rule for every practice: open flags for new findings, refresh their "
        "evidence, and close flags whose clock-based condition has cleared (a follow-up now overdue, an "
        "incident now outside a rule's window). Run it from cron every 15 minutes, for example "
        "'*/15 * * * * cd /srv/alliance && .venv/bin/python manage.py evaluate_flags'. Safe to run on "
        "several hosts at once: a practice being evaluated elsewhere is skipped (PostgreSQL advisory "
        "lock), and the database never holds two open flags for one rule and subject."
    )

    def handle(self, *args, **options):
        result = evaluate_all()
        self.stdout.write(
            f"Flags opened: {len(result.opened)}, refreshed: {len(result.refreshed)}, "
            f"closed: {len(result.closed)}."
        )
        if result.skipped:
            self.stdout.write(f"Skipped, being evaluated by another host: {', '.join(result.skipped)}.")
