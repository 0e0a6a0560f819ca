#!/usr/bin/env bash
# Container check: builds Alliance's image, starts compose.yaml's db, migrate, web and worker with
# Debian's podman and podman-compose, checks that they work (/livez, /readyz with a worker seen, an
# e-mail delivered by the worker) and tears everything down. Exits non-zero on any failure.
#
# The CI host reaches no container registry, so the base image is a Debian bookworm made with
# debootstrap (kept between runs as a podman image) and .ci/compose.podman.yaml builds the app and
# a PostgreSQL 15 on it. .ci/containers.conf holds the host's runtime quirks (runc, ulimits).
# Tools: apt's podman, runc and debootstrap; podman-compose 1.6.0 with python-dotenv 1.2.4 and
# PyYAML 6.0.4 from PyPI, in var/container-check/venv.
set -euo pipefail
cd "$(dirname "$0")/.."

base_image=localhost/alliance-ci-debian:bookworm # also named in .ci/compose.podman.yaml
project=alliance-container-check
work=var/container-check
export CONTAINERS_CONF="$PWD/.ci/containers.conf"
# The OCI image format drops HEALTHCHECK; the docker format keeps it.
export BUILDAH_FORMAT=docker
# Compose takes the host's environment over the .env file: only the throwaway .env may count.
unset SECRET_KEY POSTGRES_PASSWORD ALLOWED_HOSTS CSRF_TRUSTED_ORIGINS SITE_URL \
    EMAIL_HOST EMAIL_HOST_USER EMAIL_HOST_PASSWORD EMAIL_PORT EMAIL_USE_TLS DEFAULT_FROM_EMAIL EMAIL_TO_CONSOLE \
    WEB_CONCURRENCY TRUSTED_PROXY_COUNT

tmp="" rootfs="" report=()
now_ms() { local t="${EPOCHREALTIME/[.,]/}"; echo $((t / 1000)); }
t_start="$(now_ms)" t_phase="$t_start"
# Records how long the phase that ends now took.
phase() {
    local t
    t="$(now_ms)"
    report+=("$(printf '  %-30s %6d.%01d s' "$1" $(((t - t_phase) / 1000)) $(((t - t_phase) % 1000 / 100)))")
    t_phase="$t"
}
fail() {
    echo "container_check: FAILED: $*" >&2
    exit 1
}
compose() {
    "$work/venv/bin/podman-compose" --project-name "$project" --env-file "$tmp/.env" \
        -f compose.yaml -f .ci/compose.podman.yaml -f "$tmp/port.yaml" "$@"
}
# Runs a step with its output in var/container-check/NAME.log, shown (the end of it) on failure.
logged() {
    local name="$1"
    shift
    "$@" >"$work/$name.log" 2>&1 || {
        tail -n 40 "$work/$name.log" >&2
        fail "$name (full output in $work/$name.log)"
    }
}
container() { echo "${project}_$1_1"; }

teardown() {
    [[ -n "$tmp" ]] || return 0
    # podman-compose stops all services at once: web and worker first, while the db still answers
    # (the worker unregisters itself there; with the db gone it outlasts the stop timeout).
    compose stop -t 10 web worker >"$work/down.log" 2>&1 || true
    compose down -v -t 10 >>"$work/down.log" 2>&1 || echo "container_check: compose down failed, see $work/down.log" >&2
    rm -rf "$tmp"
    tmp=""
}
on_exit() {
    local rc=$?
    ((rc <= 128)) || echo "container_check: FAILED: interrupted (exit status $rc)" >&2
    if ((rc)) && [[ -n "$tmp" ]]; then
        for service in db migrate web worker; do
            podman container exists "$(container "$service")" 2>/dev/null || continue
            echo "--- last lines of $service's log" >&2
            podman logs --tail 25 "$(container "$service")" >&2 2>&1 || true
        done
    fi
    teardown
    [[ -z "$rootfs" ]] || rm -rf "$rootfs"
    exit "$rc"
}
trap on_exit EXIT

echo "== tools"
mkdir -p "$work"
missing=()
for package in podman runc debootstrap; do
    # Not dpkg -s: it succeeds for a removed package whose configuration files remain.
    [[ "$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null)" == installed ]] || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    logged apt-update apt-get update -qq
    logged apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
[[ -x "$work/venv/bin/python" ]] || python3 -m venv "$work/venv"
logged pip "$work/venv/bin/pip" install --disable-pip-version-check \
    podman-compose==1.6.0 python-dotenv==1.2.4 PyYAML==6.0.4
# The stack's settings, in a directory of our own: never the repository's .env.
tmp="$(mktemp -d -t alliance-container-check.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token() { python3 -c "import secrets; print(secrets.token_hex($1))"; }
cat >"$tmp/.env" <<EOF
SECRET_KEY=$(token 32)
POSTGRES_PASSWORD=$(token 16)
ALLOWED_HOSTS=localhost,127.0.0.1
CSRF_TRUSTED_ORIGINS=http://localhost:$port,http://127.0.0.1:$port
SITE_URL=http://localhost:$port
WEB_CONCURRENCY=2
# No mail server here: the check reads the e-mail in the worker's log.
EMAIL_TO_CONSOLE=true
EOF
# Port 8000 may be taken on the host. A file of its own because podman-compose 1.6.0 does not
# substitute variables inside !override.
cat >"$tmp/port.yaml" <<EOF
services:
  web:
    ports: !override
      - "127.0.0.1:$port:8000"
EOF
# Whatever an interrupted run left behind.
compose down -v -t 5 >"$work/down.log" 2>&1 || true
phase "tools, settings"

echo "== base image $base_image"
if podman image exists "$base_image"; then
    phase "base image (kept)"
else
    rootfs="$(mktemp -d "$PWD/$work/rootfs.XXXXXX")"
    logged debootstrap debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | logged import podman import --change 'CMD ["/bin/bash"]' - "$base_image"
    rm -rf "$rootfs"
    rootfs=""
    phase "base image (debootstrap)"
fi

# One service per image (migrate, web and worker share the app image). The image a build
# replaces is removed, so that repeated runs do not pile up untagged images.
build() {
    local service="$1" image="$2" old
    echo "== build $image"
    old="$(podman image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
    logged "build-$service" compose build "$service"
    if [[ -n "$old" && "$old" != "$(podman image inspect -f '{{.Id}}' "$image")" ]]; then
        podman rmi "$old" >/dev/null 2>&1 || true
    fi
}
build db localhost/alliance-ci-postgres:15
phase "build db image"
build migrate localhost/alliance-ci:latest
phase "build app image"

echo "== up"
# compose.yaml's order (db healthy, then migrate, then web and worker once it has completed) is
# kept by hand, service by service with --no-deps: podman 4.3 runs health checks only through
# systemd timers, podman-compose skips service_healthy before podman 4.6, and podman 4.3 cannot
# start a container whose --requires dependency has one of its own ("not found in input list").
logged up-db compose up -d --no-build --no-deps db
deadline=$((SECONDS + 60))
until podman healthcheck run "$(container db)" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "the db's health check (pg_isready) did not pass within 60 s"
    sleep 1
done
logged up-migrate compose up -d --no-build --no-deps migrate
migrate_rc="$(timeout 300 podman wait "$(container migrate)")" || fail "the migrate job did not finish within 300 s"
[[ "$migrate_rc" == 0 ]] || fail "the migrate job exited with status $migrate_rc"
logged up-app compose up -d --no-build --no-deps web worker
phase "up (db healthy, migrated)"

echo "== checks on http://127.0.0.1:$port/"
body="$tmp/body"
get() { curl -s -o "$body" -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port$1" || true; }
deadline=$((SECONDS + 60))
until [[ "$(get /livez)" == 200 ]] && grep -qx ok "$body"; do
    ((SECONDS < deadline)) || fail "/livez did not answer 200 ok within 60 s"
    sleep 1
done
until [[ "$(get /readyz)" == 200 ]]; do
    ((SECONDS < deadline)) || fail "/readyz did not answer 200 within 60 s: $(cat "$body" 2>/dev/null)"
    sleep 1
done
phase "first /readyz 200"
deadline=$((SECONDS + 60))
until [[ "$(get /readyz)" == 200 ]] && grep -q "queue: a worker seen" "$body"; do
    ((SECONDS < deadline)) || fail "/readyz saw no worker within 60 s: $(cat "$body" 2>/dev/null)"
    sleep 2
done
phase "/readyz: a worker seen"
# The image's own HEALTHCHECK (Host: localhost), run by hand as podman 4.3 has no timer for it here.
podman healthcheck run "$(container web)" >/dev/null || fail "the web container's HEALTHCHECK failed"

podman exec "$(container web)" python manage.py shell -c "from common import mail; mail.send(subject='Container check', body='hello', recipients=['check@example.org'], practice_id=None)" >/dev/null ||
    fail "could not queue an e-mail in the web container"
deadline=$((SECONDS + 60))
until grep -q "Subject: Container check" <(podman logs "$(container worker)" 2>&1); do
    ((SECONDS < deadline)) || fail "the worker did not deliver the e-mail within 60 s"
    sleep 1
done
phase "mail delivered by the worker"

echo "== down"
logged stop compose stop -t 10 web worker
for service in web worker; do
    code="$(podman inspect -f '{{.State.ExitCode}}' "$(container "$service")")"
    [[ "$code" == 0 ]] || fail "$service did not stop cleanly on SIGTERM (exit status $code)"
done
teardown
left="$(podman ps -aq --filter "label=io.podman.compose.project=$project")"
[[ -z "$left" ]] || fail "containers left after compose down: $left"
phase "down"

echo "Container check passed in $((($(now_ms) - t_start) / 1000)) s (podman $(podman version -f '{{.Client.Version}}'), web on 127.0.0.1:$port):"
printf '%s\n' "${report[@]}"
