"""The queue's ground-floor task, delivering e-mail (common/mail.py queues it), and what the
pages ask of the mail in the queue.

The worker (``manage.py run_worker``) runs it; a message the server refuses, or that
times out after ``EMAIL_TIMEOUT`` seconds, is tried again after 30 s, 1, 2, 4... minutes, at most
an hour apart, for a little over a day (``MAIL_ATTEMPTS``); then the job stays *failed*, shown on
the practice admin's dashboard, who can send it again.
"""

import datetime

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count, Max, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from common.mail import DELIVER_EMAIL, MAIL_QUEUE, deserialize

FIRST_WAIT_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600
MAIL_ATTEMPTS = 31


def wait_after(attempts: int) -> int:
    """Seconds before the next try, after ``attempts`` earlier tries (0 after the first)."""
    return min(FIRST_WAIT_SECONDS * 2**attempts, LONGEST_WAIT_SECONDS)


def retry_span() -> datetime.timedelta:
    """How long after the first try the last one comes."""
    return datetime.timedelta(seconds=sum(wait_after(attempts) for attempts in range(MAIL_ATTEMPTS - 1)))


class MailRetry(BaseRetryStrategy):
    def get_retry_decision(self, *, exception, job) -> RetryDecision | None:
        if job.attempts + 1 >= MAIL_ATTEMPTS:
            return None
        return RetryDecision(retry_in={"seconds": wait_after(job.attempts)})


@app.task(name=DELIVER_EMAIL, queue=MAIL_QUEUE, retry=MailRetry(), pass_context=False)
def deliver_email(message: dict) -> None:
    with get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False) as connection:
        deserialize(message, connection).send()


def _mail_jobs():
    return ProcrastinateJob.objects.filter(task_name=DELIVER_EMAIL)


def pending_mail(tag) -> Coalesce:
    """How many messages tagged ``tag`` (an expression, for a subquery) are not yet delivered:
    waiting, being sent, or waiting to be tried again."""
    pending = (
        _mail_jobs()
        .filter(status__in=("todo", "doing"))
        .annotate(tag=KeyTextTransform("tag", KeyTransform("message", "args")))
        .filter(tag=tag)
        .order_by()
        .values("task_name")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(pending), 0)


def failed_for_practice(practice_id: int):
    """The practice's messages that failed for good, newest first, with ``failed_at``."""
    return (
        _mail_jobs()
        .filter(status="failed", args__message__practice=practice_id)
        .annotate(failed_at=Max("procrastinateevent__at"))
        .order_by("-id")
    )


@transaction.atomic
def requeue_failed(*, job_id: int, practice_id: int) -> int | None:
    """Queue a failed message of the practice again, for a new day of tries; returns the new job's id.

    The failed job is marked cancelled (it leaves the admin's list) and points at its successor;
    asking again for a job already requeued returns None and queues nothing. Raises
    ProcrastinateJob.DoesNotExist for a job that is not the practice's failed or requeued mail.
    """
    job = (
        _mail_jobs()
        .select_for_update()
        .get(pk=job_id, status__in=("failed", "cancelled"), args__message__practice=practice_id)
    )
    if job.status == "cancelled":
        if "requeued_as" in job.args:
            return None
        raise ProcrastinateJob.DoesNotExist
    new_id = deliver_email.defer(message=job.args["message"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'cancelled',"
            " args = args || jsonb_build_object('requeued_as', %s) WHERE id = %s",
            [new_id, job.pk],
        )
    return new_id


@app.periodic(cron="*/5 * * * *", periodic_id="every-5-minutes", queueing_lock="retry_stalled_jobs")
@app.task(name="common.retry_stalled_jobs", pass_context=True)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """A job left running by a worker that died (killed mid-delivery, its host gone: no
    heartbeat for 30 s) is queued again, so that no e-mail stays "doing" for ever."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs():
        await manager.retry_job(job)
