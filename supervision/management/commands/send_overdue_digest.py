from django.core.management.base import BaseCommand

from supervision.notifications import send_overdue_digest


class Command(BaseCommand):
    help = (
        "E-mail each supervisor the open flags of their current supervisees that are past their "
        "acknowledgement time. Run it daily from cron or a systemd timer."
    )

    def handle(self, *args, **options):
        sent = send_overdue_digest()
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
