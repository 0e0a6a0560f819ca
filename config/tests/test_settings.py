"""Bad configuration stops ``manage.py`` with one clear sentence, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE"}}
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DATABASE_URL": "not a url", "DEBUG": "true"}, "DATABASE_URL is not a valid URL"),
        ({"DATABASE_URL": "postgres://u:p@host:port/db", "DEBUG": "true"}, "DATABASE_URL is not a valid URL"),
        ({"DATABASE_URL": "mysql://u@host/db", "DEBUG": "true"}, "DATABASE_URL must point to a PostgreSQL"),
        ({"SECRET_KEY": None, "DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": None, "DEBUG": None}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
    ],
)
def test_bad_configuration_stops_with_one_sentence(overrides, expected):
    result = run_manage(overrides)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(f"Configuration error: {expected}")
    assert len(result.stderr.strip().splitlines()) == 1
