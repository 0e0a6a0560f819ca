"""The session-log form sent twice (a double click, the back button) logs one session."""

import re
import uuid

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse

from accounts.models import FormSubmission
from config.tests.concurrency import start, wait_until_blocked
from sessions_log.models import Incident, Session
from sessions_log.tests.factories import SessionFactory
from sessions_log.tests.test_views import incident_fields, message_texts, session_data

TOKEN = re.compile(rb'name="submission_token" value="([0-9a-f-]{36})"')
ALREADY_SENT = "This form had already been sent: it was saved once, and this is the result."


def new_url(client_record) -> str:
    return reverse("sessions_log:session_new", args=[client_record.pk])


def form_token(browser, client_record) -> str:
    """The one-time token of a freshly opened form, as the browser gets it."""
    response = browser.get(new_url(client_record))
    assert response.status_code == 200
    return TOKEN.search(response.content).group(1).decode()


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.mark.django_db
class TestSentTwice:
    def test_each_opened_form_has_its_own_token(self, owner_client, client_record):
        assert form_token(owner_client, client_record) != form_token(owner_client, client_record)

    def test_the_same_form_twice_logs_one_session_and_its_incidents_once(
        self, owner_client, owner, client_record
    ):
        data = session_data(
            incidents=[incident_fields(owner)], submission_token=form_token(owner_client, client_record)
        )

        first = owner_client.post(new_url(client_record), data)
        second = owner_client.post(new_url(client_record), data)

        session = Session.objects.get()
        assert Incident.objects.count() == 1
        assert first.status_code == second.status_code == 302
        assert first["Location"] == second["Location"] == session.get_absolute_url()
        assert message_texts(second)[-1] == ALREADY_SENT

    def test_changed_values_sent_with_the_same_token_still_make_no_second_session(
        self, owner_client, client_record
    ):
        token = form_token(owner_client, client_record)
        owner_client.post(new_url(client_record), session_data(submission_token=token))

        again = owner_client.post(
            new_url(client_record), session_data(submission_token=token, setting="phone")
        )

        session = Session.objects.get()
        assert again["Location"] == session.get_absolute_url()
        assert session.setting == "in_person"  # the first is kept; changes are made by editing it

    def test_a_refused_submit_does_not_use_up_the_token(self, owner_client, client_record):
        token = form_token(owner_client, client_record)

        refused = owner_client.post(
            new_url(client_record), session_data(submission_token=token, actual_end="")
        )
        accepted = owner_client.post(new_url(client_record), session_data(submission_token=token))

        assert refused.status_code == 200
        assert token.encode() in refused.content  # the re-rendered form keeps its token
        assert accepted.status_code == 302
        assert FormSubmission.objects.get().token == uuid.UUID(token)

    def test_two_forms_log_two_sessions(self, owner_client, client_record):
        for _ in range(2):
            token = form_token(owner_client, client_record)
            assert (
                owner_client.post(new_url(client_record), session_data(submission_token=token)).status_code
                == 302
            )

        assert Session.objects.count() == 2

    @pytest.mark.parametrize("token", ["", "not-a-token"])
    def test_a_missing_or_damaged_token_still_saves(self, owner_client, client_record, token):
        response = owner_client.post(new_url(client_record), session_data(submission_token=token))

        assert response.status_code == 302
        assert Session.objects.count() == 1
        assert not FormSubmission.objects.exists()

    def test_another_users_token_is_not_followed(self, owner_client, colleague, client_record):
        """A token is looked up for its own user only: nothing of another's is shown."""
        theirs = FormSubmission.objects.create(token=uuid.uuid4(), user=colleague, result_url="/theirs/")

        response = owner_client.post(new_url(client_record), session_data(submission_token=str(theirs.token)))

        assert response["Location"] != "/theirs/"
        assert not Session.objects.exists()

    def test_the_edit_form_has_no_token(self, owner_client, client_record):
        session = SessionFactory(client=client_record)

        response = owner_client.get(reverse("sessions_log:session_edit", args=[session.pk]))

        assert b"submission_token" not in response.content


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_logs_one_session(owner, client_record):
    browser = Browser()
    browser.force_login(owner)
    token = uuid.uuid4()

    # The first submit's token and session are inserted but not yet committed when the second
    # arrives: the second passes the look-up, then its insert waits on the token until the first commits.
    with transaction.atomic():
        first = SessionFactory(client=client_record)
        FormSubmission.objects.create(token=token, user=owner, result_url=first.get_absolute_url())
        racers = start(
            [lambda: browser.post(new_url(client_record), session_data(submission_token=str(token)))]
        )
        wait_until_blocked(racers)
    response = racers[0].outcome()

    assert Session.objects.get() == first
    assert response.status_code == 302
    assert response["Location"] == first.get_absolute_url()
    assert message_texts(response) == [ALREADY_SENT]
