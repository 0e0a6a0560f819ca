import pytest
from django.db import ProgrammingError, connection, transaction

from audit.models import AccessRecord, AppendOnlyError
from audit.tests.factories import AccessRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(client_record):
    return AccessRecordFactory(client=client_record)


def test_a_saved_record_cannot_be_changed(record):
    record.object_type = "incident"

    with pytest.raises(AppendOnlyError):
        record.save()

    assert AccessRecord.objects.get().object_type == "client"


def test_a_record_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyError):
        record.delete()

    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_records_cannot_be_updated_or_deleted_in_bulk(record):
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(object_type="incident")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()

    assert AccessRecord.objects.get().object_type == "client"


def test_for_user_is_the_admins_own_practice_only(record, admin, other_admin, owner, supervisor):
    assert list(AccessRecord.objects.for_user(admin)) == [record]
    for person in (other_admin, owner, supervisor):
        assert not AccessRecord.objects.for_user(person).exists()


def test_the_object_url_points_at_the_page_viewed(record, client_record):
    export = AccessRecord(object_type="export_flags", client=None, object_id=None)

    assert record.object_url() == client_record.get_absolute_url()
    assert export.object_url() == ""


@pytest.mark.parametrize(
    "sql", ["UPDATE audit_accessrecord SET object_type = 'forged'", "DELETE FROM audit_accessrecord"]
)
def test_the_database_refuses_changes_by_any_path(record, sql):
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert AccessRecord.objects.get(pk=record.pk).object_type == record.object_type
