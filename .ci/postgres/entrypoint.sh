#!/bin/bash
# First start: create the cluster in $PGDATA with POSTGRES_USER (default postgres) as its superuser,
# POSTGRES_PASSWORD as the password, and the database POSTGRES_DB (default: the user's name), as
# the official postgres image does. Later starts reuse the data. The server runs as postgres.
set -euo pipefail

if [[ "${1:-}" == postgres && "$(id -u)" == 0 ]]; then
    # A fresh volume belongs to root.
    install -d -o postgres -g postgres -m 700 "$PGDATA"
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [[ "${1:-}" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
        --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    if [[ "$db" != postgres ]]; then
        # A private socket and no TCP: pg_isready (the health check) stays false until the
        # database exists and the real server is up.
        socket="$(mktemp -d)"
        pg_ctl --silent -D "$PGDATA" -w -o "-c listen_addresses='' -k $socket" start
        psql -h "$socket" -U "$user" -d postgres -v ON_ERROR_STOP=1 -q -v db="$db" <<<'CREATE DATABASE :"db";'
        pg_ctl --silent -D "$PGDATA" -w -m fast stop
        rmdir "$socket"
    fi
    echo "entrypoint: created the cluster with user $user and database $db"
fi

exec "$@"
