"""Emergency access grants first lived in accounts; they belong to clients, the floor above.

This migration created them, which made accounts depend on clients: a cycle between the ground
floor and the one above it. It now does nothing, and ``clients.0005_emergency_access`` owns the
model: it renames the table that databases which applied the former version of this migration
hold (keeping every grant), and creates it on a new database.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_change_history"),
    ]

    operations = []
