#!/bin/sh
# One image, several processes: `web`, `worker`, `beat`, `migrate`, or any command (`manage.py shell`, …).
# Kubernetes passes these as `args` (not `command`), so this entrypoint always runs.
set -eu

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  # Each process of this container writes its metric samples here; samples left by an earlier start of the
  # container (a restarted pod keeps its emptyDir) would be counted again.
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
fi

case "${1:-web}" in
  web)
    shift || true
    exec gunicorn -c deploy/gunicorn.conf.py heat_platform.wsgi:application "$@" ;;
  worker)
    shift
    # Prefork pool, one task at a time per process (acks late, prefetch 1: settings/base.py).
    exec celery -A heat_platform worker -l "${CELERY_LOG_LEVEL:-info}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" --without-gossip --without-mingle "$@" ;;
  beat)
    shift
    # Exactly one beat per installation (compose: one service; Kubernetes: replicas 1, strategy Recreate).
    exec celery -A heat_platform beat -l "${CELERY_LOG_LEVEL:-info}" "$@" ;;
  migrate)
    shift
    # Before each rollout: schema changes for the public schema, every company and the spares, then the
    # platform row and the spare pool. Idempotent.
    python manage.py migrate --noinput
    exec python manage.py ensure_platform ;;
  *)
    exec "$@" ;;
esac
