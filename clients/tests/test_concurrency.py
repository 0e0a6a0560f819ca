"""A client code taken by another request between the form's check and the save is a form error.

The other request is real: a second connection commits the same code just before this
request's INSERT or UPDATE reaches the database (the form's own uniqueness check has passed).
"""

import pytest
from django.db import connection
from django.urls import reverse

from boundaries.models import BoundaryAgreement
from boundaries.tests.test_intake import intake_data
from clients.models import Client
from clients.tests.factories import ClientFactory
from config.tests.concurrency import start

pytestmark = pytest.mark.django_db(transaction=True)


def taken_just_before(statement: str, take):
    """A query hook: before the first statement starting with ``statement``, ``take`` commits elsewhere."""
    done = []

    def hook(execute, sql, params, many, context):
        if not done and sql.startswith(statement):
            done.append(True)
            start([take])[0].outcome()
        return execute(sql, params, many, context)

    return hook


def test_intake_whose_code_is_taken_meanwhile_rerenders_with_the_error(client, owner, colleague):
    client.force_login(owner)
    hook = taken_just_before(
        'INSERT INTO "clients_client"', lambda: ClientFactory(therapist=colleague, code="RS-0142")
    )

    with connection.execute_wrapper(hook):
        response = client.post(reverse("clients:intake"), intake_data())

    assert response.status_code == 200
    assert b"Another client of this practice already has this code." in response.content
    assert b"Agreed time terms." in response.content  # what was typed is kept
    assert list(Client.objects.values_list("therapist__username", "code")) == [("colleague", "RS-0142")]
    assert not BoundaryAgreement.objects.exists()


def test_edit_to_a_code_taken_meanwhile_rerenders_with_the_error(client, owner, colleague, client_record):
    client.force_login(owner)
    hook = taken_just_before(
        'UPDATE "clients_client"', lambda: ClientFactory(therapist=colleague, code="RS-0999")
    )

    with connection.execute_wrapper(hook):
        response = client.post(
            reverse("clients:edit", args=[client_record.pk]),
            {"code": "RS-0999", "intake_date": client_record.intake_date.isoformat(), "setting": "in_person"},
        )

    assert response.status_code == 200
    assert b"Another client of this practice already has this code." in response.content
    client_record.refresh_from_db()
    assert client_record.code == "RS-0001"
