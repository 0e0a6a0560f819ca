# The Alliance app server: gunicorn with the production settings. The database comes from
# DATABASE_URL; migrations run as a separate one-off command (see compose.yaml).
#
# CI builds and runs this file with podman (scripts/container_check.sh). CI reaches no container
# registry, so there the base is a Debian bookworm made with debootstrap, with
# BASE_IMAGE=<that image> and EXTRA_APT_PACKAGES="python3 python3-venv" (Debian's Python 3.11
# instead of the official image's), and pip trusts the CI proxy's CA through the build secret
# "ca". A plain `docker build .` needs neither (with podman, add --format docker: the OCI format
# drops the HEALTHCHECK).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

# Packages a base image without Python needs (python3 python3-venv); none for the default.
ARG EXTRA_APT_PACKAGES=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Pango and a font for the printable agreement PDF (WeasyPrint); CA certificates for SMTP over TLS.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core ca-certificates \
        ${EXTRA_APT_PACKAGES} \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /app --shell /usr/sbin/nologin alliance
WORKDIR /app

# A venv, so that the same steps work on the official image and on Debian's Python (which refuses
# a system-wide pip install). The optional secret "ca" is a CA bundle for pip (a TLS-intercepting
# proxy); it is mounted for this step only and never stays in the image.
COPY requirements.txt .
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && python3 -m venv /opt/venv \
    && pip install -r requirements.txt

COPY --chown=alliance:alliance . .

# Static files are collected into the image. The settings need a key and a database URL to
# load; neither is used by collectstatic and neither stays in the image.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=postgres://unused@localhost/unused \
    python manage.py collectstatic --no-input --verbosity 0

USER alliance
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000

# /livez never touches the database. The Host header must be in ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:8000/livez', headers={'Host': 'localhost'}), timeout=4).status != 200)"

CMD ["gunicorn", "--config", "config/gunicorn.conf.py"]
