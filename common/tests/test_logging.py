"""LOGGING: one JSON object per line, the request id on the lines of a request, and the worker's
lines about mail without the message."""

import io
import json
import logging

from django.http import HttpResponse

from common.mail import HideQueuedMail
from common.request_id import RequestIdFilter, RequestIdMiddleware, current_client_ip
from common.tasks import deliver_email
from common.tests.logs import json_formatter, json_line


def test_an_app_line_in_a_request_is_one_json_object_with_the_request_id(rf):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter())
    logger = logging.getLogger("alliance.test_logging")
    logger.addHandler(handler)

    def view(request):
        logger.warning('odd "input"\r\nrequest_id=forged', extra={"attempt": 2})
        return HttpResponse()

    try:
        response = RequestIdMiddleware(view)(rf.get("/"))
    finally:
        logger.removeHandler(handler)

    (line,) = stream.getvalue().splitlines()
    logged = json.loads(line)
    assert logged["request_id"] == response["X-Request-ID"]
    assert logged["message"] == 'odd "input"\r\nrequest_id=forged'
    assert (logged["level"], logged["logger"], logged["attempt"]) == ("WARNING", "alliance.test_logging", 2)


def test_the_client_address_is_known_during_a_request_only(rf):
    seen = []

    def view(request):
        seen.append(current_client_ip())
        return HttpResponse()

    RequestIdMiddleware(view)(rf.get("/", REMOTE_ADDR="192.0.2.44"))

    assert seen == ["192.0.2.44"]
    assert current_client_ip() is None


def test_the_workers_line_about_a_mail_job_shows_neither_its_message_nor_its_arguments():
    job = deliver_email.configure().job.evolve(
        id=41, task_kwargs={"message": {"subject": "Critical flag for RS-0142", "to": ["a@example.org"]}}
    )
    context = job.log_context()
    record = logging.makeLogRecord(
        {
            "name": "procrastinate.worker",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": f"Job {context['call_string']} started",
            "job": context,
            "jobs": [context],
        }
    )

    line = json_line(record)

    assert "RS-0142" not in line and "a@example.org" not in line
    logged = json.loads(line)
    assert logged["message"] == "Job common.deliver_email[41](…) started"
    assert logged["job"]["call_string"] == logged["jobs"][0]["call_string"] == "common.deliver_email[41](…)"
    assert logged["job"]["id"] == 41


def test_the_workers_line_about_another_job_is_left_alone():
    context = {"id": 3, "queue": "default", "task_name": "rules.sweep", "call_string": "rules.sweep[3]()"}
    record = logging.makeLogRecord({"msg": "Job rules.sweep[3]() started", "job": context})

    HideQueuedMail().filter(record)

    assert record.getMessage() == "Job rules.sweep[3]() started"
    assert record.job is context
