"""Change history (django-pghistory) and the database's refusal to rewrite history or signed entries."""

import datetime

import pgtrigger
import pytest
from django.apps import apps
from django.db import ProgrammingError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import SupervisionAssignment, User
from boundaries.models import BoundaryAgreement
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client
from sessions_log import services as sessions_services
from sessions_log.models import ATTESTATION, Addendum, Classification, Incident, Session
from sessions_log.tests.factories import AddendumFactory, IncidentFactory, SessionFactory
from supervision import services as supervision_services
from supervision.models import Flag, FlagEvent
from supervision.tests.factories import FlagEventFactory, FlagFactory

pytestmark = pytest.mark.django_db

TRACKED = [
    Client,
    BoundaryAgreement,
    Session,
    Incident,
    Addendum,
    Flag,
    FlagEvent,
    User,
    SupervisionAssignment,
]


def history(model):
    return apps.get_model(model._meta.app_label, f"{model.__name__}History")


def signed(entry, by):
    entry.mark_signed(by=by)
    entry.save()
    return entry


@pytest.fixture
def signed_incident(owner, client_record):
    return signed(
        IncidentFactory(
            client=client_record,
            follow_up="Review the agreement on time at the next session.",
            follow_up_due=timezone.localdate() + datetime.timedelta(days=7),
        ),
        owner,
    )


class TestChangesAreRecorded:
    def test_an_edit_through_a_page_records_the_user_path_and_request_id(self, client, owner, client_record):
        client.force_login(owner)
        url = reverse("clients:edit", args=[client_record.pk])

        response = client.post(
            url,
            {
                "code": "RS-0777",
                "intake_date": client_record.intake_date.isoformat(),
                "setting": "telehealth",
            },
        )

        assert response.status_code == 302
        event = client_record.history.get(pgh_label="update")
        assert (event.code, event.setting) == ("RS-0777", "telehealth")
        assert event.pgh_context.metadata == {
            "user": owner.pk,
            "url": url,
            "request_id": response["X-Request-ID"],
        }

    def test_one_request_groups_its_changes_under_one_context(self, client, owner, client_record):
        session = SessionFactory(client=client_record)
        IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
        client.force_login(owner)

        client.post(reverse("sessions_log:session_sign", args=[session.pk]), {"attest": "on"})

        session_event = session.history.get(pgh_label="update")
        incident_event = history(Incident).objects.get(session=session, pgh_label="update")
        assert session_event.status == incident_event.status == "signed"
        assert session_event.pgh_context_id == incident_event.pgh_context_id
        assert session_event.pgh_context.metadata["user"] == owner.pk

    def test_insert_update_and_delete_are_each_recorded(self, owner, client_record):
        session = SessionFactory(client=client_record, attendance="attended")
        sessions_services.session_update(session=session, by=owner, data={"setting": "telehealth"})
        pk = session.pk

        session.delete()

        labels = list(
            history(Session).objects.filter(pgh_obj_id=pk).order_by("pgh_id").values_list("pgh_label")
        )
        assert labels == [("insert",), ("update",), ("delete",)]

    def test_a_change_outside_a_request_is_recorded_without_context(self, client_record):
        Client.objects.filter(pk=client_record.pk).update(setting="mixed")

        event = client_record.history.get(pgh_label="update")
        assert (event.setting, event.pgh_context) == ("mixed", None)

    def test_the_password_and_sign_ins_stay_out_of_the_user_history(self, owner):
        assert not {"password", "last_login"} & {f.name for f in history(User)._meta.fields}

        owner.set_password("a new long passphrase")
        owner.last_login = timezone.now()
        owner.save()

        assert not owner.history.filter(pgh_label="update").exists()


@pytest.fixture
def one_of_each(owner, supervisor, client_record):
    """At least one row of every tracked model, hence one event in every history table."""
    BoundaryAgreementFactory(client=client_record)
    AddendumFactory(session=SessionFactory(client=client_record))
    IncidentFactory(client=client_record)
    FlagEventFactory(flag=FlagFactory(client=client_record))


@pytest.mark.usefixtures("one_of_each")
@pytest.mark.parametrize("model", TRACKED, ids=lambda model: model.__name__)
class TestHistoryIsAppendOnly:
    def test_an_event_cannot_be_updated(self, model):
        event = history(model).objects.first()

        with pytest.raises(ProgrammingError, match="Cannot update or delete rows"), transaction.atomic():
            history(model).objects.filter(pk=event.pk).update(pgh_label="forged")

        assert history(model).objects.get(pk=event.pk).pgh_label == "insert"

    def test_an_event_cannot_be_deleted(self, model):
        event = history(model).objects.first()

        with pytest.raises(ProgrammingError, match="Cannot update or delete rows"), transaction.atomic():
            history(model).objects.filter(pk=event.pk).delete()

        assert history(model).objects.filter(pk=event.pk).exists()


class TestSignedEntriesAreImmutable:
    def test_the_signed_content_of_an_incident_cannot_be_updated(self, signed_incident):
        with pytest.raises(ProgrammingError, match="is locked and cannot be updated"), transaction.atomic():
            Incident.objects.filter(pk=signed_incident.pk).update(description="Rewritten after signing")

        assert Incident.objects.get(pk=signed_incident.pk).description == signed_incident.description

    @pytest.mark.parametrize(
        "changes",
        [{"status": "draft", "signed_by": None, "signed_at": None, "content_hash": ""}, {"harm": 3}],
        ids=["unsigned", "harm"],
    )
    def test_nothing_else_of_a_signed_incident_changes_either(self, signed_incident, changes):
        with pytest.raises(ProgrammingError), transaction.atomic():
            Incident.objects.filter(pk=signed_incident.pk).update(**changes)

    def test_the_final_classification_and_follow_up_completion_may_change(self, signed_incident):
        signed_incident.final_classification = Classification.VIOLATION
        signed_incident.follow_up_done_on = timezone.localdate()
        signed_incident.save(update_fields=["final_classification", "follow_up_done_on", "updated_at"])

        stored = Incident.objects.get(pk=signed_incident.pk)
        assert (stored.classification, stored.follow_up_done_on) == (
            Classification.VIOLATION,
            timezone.localdate(),
        )
        assert stored.signature_intact

    def test_a_supervisor_still_classifies_a_signed_incident(self, supervisor, signed_incident):
        flag = FlagFactory(client=signed_incident.client)
        flag.incidents.add(signed_incident)

        supervision_services.flag_classify(
            flag=flag, by=supervisor, incident=signed_incident, classification=Classification.VIOLATION
        )

        assert Incident.objects.get(pk=signed_incident.pk).final_classification == Classification.VIOLATION

    def test_a_signed_incident_cannot_be_deleted(self, signed_incident):
        with pytest.raises(ProgrammingError, match="is locked and cannot be deleted"), transaction.atomic():
            Incident.objects.filter(pk=signed_incident.pk).delete()

        assert Incident.objects.filter(pk=signed_incident.pk).exists()

    def test_a_signed_session_cannot_be_updated_nor_deleted(self, owner, client_record):
        session = SessionFactory(client=client_record)
        sessions_services.session_sign(session=session, by=owner, attestation=ATTESTATION)

        with pytest.raises(ProgrammingError, match="is locked and cannot be updated"), transaction.atomic():
            Session.objects.filter(pk=session.pk).update(attendance="late")
        with pytest.raises(ProgrammingError, match="is locked and cannot be deleted"), transaction.atomic():
            Session.objects.filter(pk=session.pk).delete()

        stored = Session.objects.get(pk=session.pk)
        assert (stored.attendance, stored.signature_intact) == ("attended", True)

    def test_a_draft_is_edited_and_deleted_freely(self, owner, client_record):
        session = SessionFactory(client=client_record)
        incident = IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)

        sessions_services.session_update(
            session=session,
            by=owner,
            data={"setting": "telehealth"},
            changed_incidents={incident.pk: {"description": "Reworded while still a draft."}},
        )
        assert Incident.objects.get(pk=incident.pk).description == "Reworded while still a draft."

        Incident.objects.filter(pk=incident.pk).delete()
        Session.objects.filter(pk=session.pk).delete()
        assert not Session.objects.filter(pk=session.pk).exists()

    def test_tampering_needs_the_trigger_switched_off(self, signed_incident):
        """What the integrity check on display is for: a change made behind Alliance's back."""
        with pgtrigger.ignore("sessions_log.Incident:signed_entry_immutable"):
            Incident.objects.filter(pk=signed_incident.pk).update(description="Rewritten after signing")

        assert not Incident.objects.get(pk=signed_incident.pk).signature_intact
