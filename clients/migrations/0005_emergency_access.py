"""Emergency access grants move here from accounts (see ``accounts.0004_emergency_access``).

On a database that applied the former accounts migration, its table ``accounts_emergencyaccess``
is renamed, with its rows, indexes and constraints; on a new database the table is created.
Going back drops the table: before this migration no app has the model.
"""

import datetime

import django.db.models.deletion
import django.db.models.expressions
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "accounts_emergencyaccess"
NEW_TABLE = "clients_emergencyaccess"


def rename_old_table(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [OLD_TABLE])
        (exists,) = cursor.fetchone()
    if exists:
        schema_editor.execute(f"ALTER TABLE {OLD_TABLE} RENAME TO {NEW_TABLE}")


def create_table_unless_renamed(apps, schema_editor):
    if NEW_TABLE not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(apps.get_model("clients", "EmergencyAccess"))


def drop_table(apps, schema_editor):
    schema_editor.delete_model(apps.get_model("clients", "EmergencyAccess"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_emergency_access"),
        ("clients", "0004_archive"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(rename_old_table, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EmergencyAccess",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("reason", models.TextField()),
                        ("starts_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ends_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="emergency_grants",
                                to="clients.client",
                            ),
                        ),
                        (
                            "granted_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emergency_grants_given",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "practice",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emergency_grants",
                                to="accounts.practice",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emergency_grants_revoked",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "therapist",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="emergency_grants",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "emergency access grants",
                        "ordering": ["-starts_at"],
                        "indexes": [
                            models.Index(fields=["therapist", "ends_at"], name="emergency_therapist_ends_idx")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("reason", ""), _negated=True),
                                name="emergency_access_reason_required",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("ends_at__gt", models.F("starts_at")),
                                    (
                                        "ends_at__lte",
                                        django.db.models.expressions.CombinedExpression(
                                            models.F("starts_at"),
                                            "+",
                                            models.Value(datetime.timedelta(days=3)),
                                        ),
                                    ),
                                ),
                                name="emergency_access_at_most_72_hours",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("revoked_at__isnull", True),
                                    ("revoked_at__gte", models.F("starts_at")),
                                    _connector="OR",
                                ),
                                name="emergency_access_revoked_after_start",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_table_unless_renamed, drop_table),
    ]
