"""Every create form stored once, however often it is sent (accounts.models.FormSubmission).

try:
    with submitted_once(request.user, form.submission_token) as receipt:
        incident = services.incident_create(...)
        receipt.result_url = incident.get_absolute_url()
except AlreadySent as sent:
    return already_sent(request, sent, fallback=client)
except ValidationError as exc:  # outside the block: a refusal stores no receipt
    add_service_errors(form, exc)
"""

import contextlib
import datetime
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone

from accounts.models import FormSubmission


class AlreadySent(Exception):
    """The form with this token was stored before; ``url`` is what it made ("" if unknown)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


@contextlib.contextmanager
def submitted_once(user, token: uuid.UUID | None):
    """A transaction that stores ``token`` first; raises AlreadySent if it was stored already.

    A second transaction with the same token waits on the primary key until the first ends:
    committed, it raises AlreadySent; rolled back (the form was refused), it goes on. Without a
    token (an old page, a damaged field) the block simply runs.
    """
    with transaction.atomic():
        if token is None:
            yield FormSubmission(token=uuid.uuid4(), user=user)
            return
        try:
            with transaction.atomic():
                receipt = FormSubmission.objects.create(token=token, user=user)
        except IntegrityError:
            raise _earlier(user, token) or AlreadySent("") from None
        yield receipt
        receipt.save(update_fields=["result_url"])


def already_sent(request, sent: AlreadySent, *, fallback):
    """The answer to a form sent again: what the first send made, and a word about it."""
    messages.info(request, "This form had already been sent: it was saved once, and this is the result.")
    return redirect(sent.url or fallback)


def _earlier(user, token: uuid.UUID) -> AlreadySent | None:
    earlier = FormSubmission.objects.filter(token=token, user=user).only("result_url").first()
    return AlreadySent(earlier.result_url) if earlier else None


def earlier_result(user, data) -> AlreadySent | None:
    """For a form sent again, its first send's result (accounts.middleware.SentAgainMiddleware
    asks before any view runs: the view's own checks might refuse the second send because of
    what the first one did). Races are settled in the view by ``submitted_once``."""
    try:
        token = uuid.UUID(str(data.get("submission_token", "")))
    except ValueError:
        return None
    return _earlier(user, token)


KEPT_FOR = datetime.timedelta(days=30)


def forget_old_submissions(*, now=None) -> int:
    """Tokens older than ``KEPT_FOR`` guard nothing (a form is sent again within minutes):
    the daily purge deletes them. Returns how many."""
    cutoff = (now or timezone.now()) - KEPT_FOR
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
