# syntax=docker/dockerfile:1
# HeatCloud: one image for web (gunicorn), Celery worker, Celery beat and the migrate job; the process is the
# first argument (deploy/docker-entrypoint.sh). deploy/README.md "Image" explains the stages.
#
#   docker build -t heatcloud:$(git rev-parse --short HEAD) .
#
# Pin the base images by digest in your registry mirror for reproducible builds (python:3.11-slim-bookworm@sha256:…).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- 1. The web console (React + Vite, apps/console/web) -> apps/console/static/console ----------------------
FROM ${NODE_IMAGE} AS console
WORKDIR /src
# codegen types the pages against the committed SDL (apps/console/web/codegen.ts reads ../../../graphql_api/).
COPY graphql_api/tenant.graphql graphql_api/platform.graphql graphql_api/
COPY apps/console/web/package.json apps/console/web/package-lock.json apps/console/web/
WORKDIR /src/apps/console/web
RUN npm ci --no-audit --no-fund --loglevel=error
COPY apps/console/web/ ./
RUN npm run build -- --logLevel warn

# --- 2. Python dependencies, translations and static files (build tools live here only) -------------------
FROM ${PYTHON_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
# gcc for any dependency without a wheel for this platform; gettext's msgfmt for compilemessages. Not pinned:
# this stage is thrown away, and Debian drops superseded point versions from its mirrors.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /app
# The locked versions minus what only development and tests use (deploy/dev-only-packages.txt).
COPY requirements.txt ./
COPY deploy/dev-only-packages.txt deploy/prod-requirements.sh deploy/
RUN deploy/prod-requirements.sh > /tmp/requirements-prod.txt \
    && pip install --no-deps -r /tmp/requirements-prod.txt
COPY . .
COPY --from=console /src/apps/console/static/console/ apps/console/static/console/
# Settings need their variables to load; these placeholders exist only for these two build commands.
RUN env SECRET_KEY=image-build-only-not-a-secret-0123456789abcdefghijklmn \
        DATABASE_URL=postgres://build@localhost:5432/build \
        FIELD_ENCRYPTION_KEYS=aW1hZ2UtYnVpbGQtb25seS1ub3QtYS1rZXktMDAwMDA= \
        BLIND_INDEX_KEY=image-build-only JWT_SIGNING_KEY=image-build-only \
        PLATFORM_DOMAIN=build.invalid CELERY_BROKER_URL=redis://localhost:6379/0 \
        CACHE_URL=redis://localhost:6379/1 STATIC_ROOT=/app/staticfiles \
        DJANGO_SETTINGS_MODULE=heat_platform.settings.production \
    sh -c 'python manage.py compilemessages --ignore "*/node_modules/*" -v0 \
           && python manage.py collectstatic --noinput -v0' \
    && python -m compileall -q /app /opt/venv/lib

# --- 3. The runtime: Python, the virtualenv and the app; no compiler, no node, no package lists -------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=heat_platform.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN groupadd --system --gid 10001 heatcloud \
    && useradd --system --uid 10001 --gid heatcloud --home-dir /app --no-create-home --shell /usr/sbin/nologin heatcloud \
    && mkdir -p /data/media \
    && chown heatcloud:heatcloud /data/media
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# Owned by root, run as heatcloud: the code cannot be changed by the process serving it. Writable places are
# /data/media (a volume), /tmp and /dev/shm (tmpfs / emptyDir), so the root filesystem can be read-only.
USER 10001:10001
VOLUME ["/data/media"]
EXPOSE 8000
ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["web"]
