"""Alliance's e-mail: every message is a task in the PostgreSQL queue, written in the transaction
that causes it, so a rolled-back change sends nothing and a committed one is never lost.

``EMAIL_BACKEND`` is :class:`QueuedEmailBackend`: it only inserts a job. The worker's
``deliver_email`` task (common/tasks.py) hands the message to ``EMAIL_DELIVERY_BACKEND`` (SMTP,
or the console) and retries for a day when the server refuses or hangs. No request talks to SMTP.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

MAIL_QUEUE = "mail"
DELIVER_EMAIL = "common.deliver_email"  # the task's name (common/tasks.py)
# Headers that say what a message is about; they stay in the queue and never leave in the mail.
TAG_HEADER = "X-Alliance-Tag"  # "flag:<id>": the flag page says while its e-mail is pending
PRACTICE_HEADER = "X-Alliance-Practice"  # whose admin sees the message if it fails for good


def send(*, subject: str, body: str, recipients, practice_id: int | None, tag: str = "") -> None:
    """Queue one message to ``recipients`` (blank and repeated addresses dropped)."""
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return
    headers = {PRACTICE_HEADER: str(practice_id or "")}
    if tag:
        headers[TAG_HEADER] = tag
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, headers=headers).send()


def serialize(message: EmailMessage) -> dict:
    """The message as JSON for the job's arguments (attachments are not used by Alliance)."""
    if message.attachments:
        raise ValueError("Queued e-mail does not carry attachments.")
    headers = dict(message.extra_headers)
    practice = headers.pop(PRACTICE_HEADER, "")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {key: value for key, value in headers.items() if key != TAG_HEADER},
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "tag": headers.get(TAG_HEADER, ""),
        "practice": int(practice) if str(practice).isdigit() else None,
    }


def deserialize(data: dict, connection=None) -> EmailMultiAlternatives:
    return EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(pair) for pair in data["alternatives"]],
        connection=connection,
    )


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message as a ``deliver_email`` job on the current database connection."""

    def send_messages(self, email_messages) -> int:
        from common.tasks import deliver_email  # the task module imports this one

        for message in email_messages:
            deliver_email.defer(message=serialize(message))
        return len(email_messages)


class HideQueuedMail(logging.Filter):
    """The worker logs each job with its arguments, in the message and, for the JSON log, in the
    record's ``job`` (and ``jobs``) fields: for mail, keep the task and id, not the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        job = getattr(record, "job", None)
        if _is_mail(job):
            record.msg = str(record.msg).replace(job["call_string"], _shown(job))
            record.job = _hidden(job)
        jobs = getattr(record, "jobs", None)
        if isinstance(jobs, list):
            record.jobs = [_hidden(each) if _is_mail(each) else each for each in jobs]
        return True


def _is_mail(job) -> bool:
    return isinstance(job, dict) and job.get("queue") == MAIL_QUEUE and bool(job.get("call_string"))


def _shown(job: dict) -> str:
    return f"{job.get('task_name')}[{job.get('id')}](…)"


def _hidden(job: dict) -> dict:
    return {**{key: value for key, value in job.items() if key != "task_kwargs"}, "call_string": _shown(job)}
