"""Sending Alliance's e-mail: only once the transaction that caused it has committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction


def send_on_commit(*, subject: str, body: str, recipients) -> None:
    """Mail ``recipients`` (blank and repeated addresses dropped) after the current commit."""
    recipients = sorted({address for address in recipients if address})
    if recipients:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
        )
