"""Local development (`make run`): insecure defaults that production refuses."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="dev-only-secret-key-not-for-production-0123456789")
ALLOWED_HOSTS = ["localhost", ".localhost", "127.0.0.1"]
GRAPHIQL_ENABLED = True

# Dev-only keys, public in this repo on purpose; production requires its own.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LTAwMDAwMDAwMDAwMDA="])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="dev-only-blind-index-key")
JWT_SIGNING_KEY = env("JWT_SIGNING_KEY", default="dev-only-jwt-signing-key-0123456789abcdef")

# A real worker without a broker service: kombu's filesystem transport under .data/.
_queue = Path(BASE_DIR) / ".data" / "celery"
for _sub in ("in", "processed"):
    (_queue / _sub).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_queue / "in"),
    "data_folder_out": str(_queue / "in"),
    "processed_folder": str(_queue / "processed"),
    "store_processed": False,
}
