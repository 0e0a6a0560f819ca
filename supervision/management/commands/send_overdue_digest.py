from django.core.management.base import BaseCommand

from sessions_log.notifications import send_follow_up_digest
from supervision.notifications import send_overdue_digest


class Command(BaseCommand):
    help = (
        "E-mail each supervisor the open flags of their current supervisees that are past their "
        "acknowledgement time, and each owner their follow-ups past due. The worker runs it daily; "
        "this is for a manual run."
    )

    def handle(self, *args, **options):
        sent = send_overdue_digest() + send_follow_up_digest()
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
