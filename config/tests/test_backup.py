"""`make backup` and `make restore-check` (scripts/backup.py) on the test database."""

import io
import json

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from scripts import backup
from sessions_log.tests.factories import IncidentFactory, SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database():
    return connection.settings_dict


@pytest.fixture
def records(client_record):
    session = SessionFactory(client=client_record)
    IncidentFactory(client=client_record, session=session, occurred_at=session.actual_start)
    IncidentFactory(client=client_record)


def scratch_databases(database) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            [f"{database['NAME'][:30]}_restore_check_%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_backup_restores_with_every_row_and_migration(database, records, tmp_path):
    dump = backup.backup(database, tmp_path)
    out = io.StringIO()

    passed = backup.restore_check(database, dump, out=out)

    report = out.getvalue()
    manifest = json.loads(dump.with_suffix(".json").read_text())
    assert passed, report
    assert dump.name.startswith(f"{database['NAME']}-") and dump.name.endswith("Z.dump")
    assert manifest["row_counts"]["public.sessions_log_incident"] == 2
    assert manifest["row_counts"]["public.clients_client"] == 1
    assert "public.sessions_log_incident" in report
    assert "0 mismatches" in report
    assert "every migration is applied" in report
    assert not scratch_databases(database)
    assert sorted(tmp_path.iterdir()) == sorted([dump, dump.with_suffix(".json")])


def test_a_missing_row_fails_the_check_and_the_command(database, records, tmp_path, capsys):
    dump = backup.backup(database, tmp_path)
    manifest_path = dump.with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["public.sessions_log_incident"] += 1  # the dump lacks a row it should have
    manifest_path.write_text(json.dumps(manifest))

    assert backup.main(["restore-check", "--dir", str(tmp_path)]) == 1

    captured = capsys.readouterr()
    assert "public.sessions_log_incident" in captured.out
    assert "MISMATCH" in captured.out
    assert "1 mismatches" in captured.out
    assert "Restore check FAILED" in captured.err
    assert not scratch_databases(database)


def test_an_unapplied_migration_in_the_backup_fails_the_check(database, tmp_path):
    latest = MigrationRecorder.Migration.objects.filter(app="sessions_log").latest("id")
    latest.delete()
    try:
        dump = backup.backup(database, tmp_path)
    finally:
        MigrationRecorder.Migration.objects.create(app=latest.app, name=latest.name, applied=latest.applied)
    out = io.StringIO()

    assert not backup.restore_check(database, dump, out=out)
    assert "migrate --check failed" in out.getvalue()


def test_restore_check_without_a_backup_says_so(database, tmp_path, capsys):
    assert backup.main(["restore-check", "--dir", str(tmp_path)]) == 1
    assert f"No backup of {database['NAME']}" in capsys.readouterr().err
