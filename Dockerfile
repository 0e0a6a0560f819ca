# UNTESTED: written on a machine without a Docker engine; no image has been built from this file.
# See docs/DEPLOY.md, "Containers (untested)". Give it a trial build and run before any use.
#
# The Alliance app server: gunicorn with the production settings. The database comes from
# DATABASE_URL; migrations run as a separate one-off command (see compose.yaml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and a font for the printable agreement PDF (WeasyPrint).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /app --shell /usr/sbin/nologin alliance
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

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
